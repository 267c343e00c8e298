/**
 * The page of the Chromium test of `createProxyChatTransport`: the AI SDK's
 * `Chat` (what `useChat` wraps) with the proxy transport and the AI SDK's
 * OpenAI-compatible provider, bundled by esbuild. On load it resumes the
 * chat's answer in flight, as `useChat({ resume: true })` does.
 */

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createProxyChatTransport } from "../src/index.js";
import { PageChat } from "./page-chat.js";

const params = new URL(location.href).searchParams;
const transport = createProxyChatTransport({
  proxyUrl: params.get("proxy")!,
  model: (fetch) =>
    createOpenAICompatible({ name: "llm", baseURL: params.get("llm")!, apiKey: "sk-page", fetch })(
      "mock-model",
    ),
});
const chat = new PageChat("chat-1", transport);

const page = window as unknown as {
  ask(text: string): void;
  answer(): string;
  starts(): number;
  resumed: Promise<void>;
};
page.answer = () => chat.answer();
page.starts = () => chat.answers();
page.ask = (text) => void chat.sendMessage({ text });
page.resumed = chat.resumeStream();
