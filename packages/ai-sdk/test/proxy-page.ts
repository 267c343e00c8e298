/**
 * The page of the Chromium test of `createProxyChatTransport`: the AI SDK's
 * `Chat` (what `useChat` wraps) with the proxy transport and the AI SDK's
 * OpenAI-compatible provider, bundled by esbuild. On load it resumes the
 * chat's answer in flight, as `useChat({ resume: true })` does.
 */

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { AbstractChat, type ChatState, type ChatStatus, type UIMessage } from "ai";
import { createProxyChatTransport } from "../src/index.js";

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

const params = new URL(location.href).searchParams;
const transport = createProxyChatTransport({
  proxyUrl: params.get("proxy")!,
  model: (fetch) =>
    createOpenAICompatible({ name: "llm", baseURL: params.get("llm")!, apiKey: "sk-page", fetch })(
      "mock-model",
    ),
});
const chat = new Chat({ id: "chat-1", transport, state: new State() });

const page = window as unknown as {
  ask(text: string): void;
  answer(): string;
  starts(): number;
  resumed: Promise<void>;
};
/** Assistant text parts, as the UI shows them (a repeated part would show as `|`). */
page.answer = () =>
  chat.view.messages
    .filter((m) => m.role === "assistant")
    .flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])))
    .join("|");
page.starts = () => chat.view.messages.filter((m) => m.role === "assistant").length;
page.ask = (text) => void chat.sendMessage({ text });
page.resumed = chat.resumeStream();
