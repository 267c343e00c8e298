/**
 * The page of the Chromium test of `createDurableChatTransport`: the AI SDK's
 * `Chat` (what `useChat` wraps) posting to the app's `/api/chat`, bundled by
 * esbuild. On load it resumes the chat's generation in flight, as
 * `useChat({ resume: true })` does; `?chat=` names the chat.
 */

import { AbstractChat, type ChatState, type ChatStatus, type UIMessage } from "ai";
import { createDurableChatTransport } from "../src/index.js";

class State implements ChatState<UIMessage> {
  status: ChatStatus = "ready";
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((m, i) => (i === index ? message : m));
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

class Chat extends AbstractChat<UIMessage> {
  readonly view: State;
  constructor(init: ConstructorParameters<typeof AbstractChat<UIMessage>>[0]) {
    super(init);
    this.view = init.state as State;
  }
}

const id = new URL(location.href).searchParams.get("chat") ?? "chat-1";
const transport = createDurableChatTransport({
  api: "/api/chat",
  stopApi: (chatId) => `/api/chat/${chatId}/stop`,
});
const chat = new Chat({ id, transport, state: new State() });

const page = window as unknown as {
  ask(text: string): void;
  answer(): string;
  answers(): number;
  status(): ChatStatus;
};
/** Assistant text parts, as the UI shows them (a repeated part would show as `|`). */
page.answer = () =>
  chat.view.messages
    .filter((m) => m.role === "assistant")
    .flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])))
    .join("|");
page.answers = () => chat.view.messages.filter((m) => m.role === "assistant").length;
page.status = () => chat.status;
page.ask = (text) => void chat.sendMessage({ text });
void chat.resumeStream();
