/**
 * What the Chromium test pages share: the AI SDK's `Chat` (what `useChat`
 * wraps) over a plain state object, and the answer as the UI shows it.
 */

import {
  AbstractChat,
  type ChatState,
  type ChatStatus,
  type ChatTransport,
  type UIMessage,
} from "ai";

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

/** A chat whose messages the page reads through `view`. */
export class PageChat extends AbstractChat<UIMessage> {
  readonly view: State;
  constructor(id: string, transport: ChatTransport<UIMessage>) {
    const state = new State();
    super({ id, transport, state });
    this.view = state;
  }

  /** Assistant text parts, as the UI shows them (a repeated part would show as `|`). */
  answer(): string {
    return this.view.messages
      .filter((m) => m.role === "assistant")
      .flatMap((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])))
      .join("|");
  }

  /** How many assistant messages the UI shows. */
  answers(): number {
    return this.view.messages.filter((m) => m.role === "assistant").length;
  }
}
