/**
 * The page of the Chromium test of `createDurableChatTransport`: the AI SDK's
 * `Chat` (what `useChat` wraps) posting to the app's `/api/chat`, bundled by
 * esbuild. On load it resumes the chat's generation in flight, as
 * `useChat({ resume: true })` does; `?chat=` names the chat.
 */

import type { ChatStatus } from "ai";
import { createDurableChatTransport } from "../src/index.js";
import { PageChat } from "./page-chat.js";

const id = new URL(location.href).searchParams.get("chat") ?? "chat-1";
const transport = createDurableChatTransport({
  api: "/api/chat",
  stopApi: (chatId) => `/api/chat/${chatId}/stop`,
});
const chat = new PageChat(id, transport);

const page = window as unknown as {
  ask(text: string): void;
  answer(): string;
  answers(): number;
  status(): ChatStatus;
};
page.answer = () => chat.answer();
page.answers = () => chat.answers();
page.status = () => chat.status;
page.ask = (text) => void chat.sendMessage({ text });
void chat.resumeStream();
