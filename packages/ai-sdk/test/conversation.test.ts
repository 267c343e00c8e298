/**
 * Opt-in conversation streams: "regenerate from here" and "edit an earlier
 * message", sent by the transport as `useChat` sends them, are recorded on
 * forks of the conversation stream; the original stays intact. Real servers,
 * a mock language model.
 */

import { stream } from "@durastream/client";
import type { UIMessage, UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_STREAMS_SERVERS,
  type AppServer,
  SERVER_START_TIMEOUT_MS,
  type StreamsServer,
  startApp,
} from "../../../test-support/ai-servers.js";
import {
  type ConversationEntry,
  createDurableChatTransport,
  readDurableConversation,
} from "../src/index.js";
import { chatApp, type Script } from "./chat-app.js";

const user = (id: string, text: string): UIMessage => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});
const assistant = (id: string, text: string): UIMessage => ({
  id,
  role: "assistant",
  parts: [{ type: "text", text }],
});

/** The answer a generation stream holds. */
async function answerOf(url: string): Promise<string> {
  const response = await stream<UIMessageChunk>({ url, json: true, live: "sse" });
  let text = "";
  for await (const chunk of response.jsonStream()) {
    if (chunk.type === "text-delta") text += chunk.delta;
  }
  return text;
}

/** A conversation as readable lines: user texts, and answers read from their generation streams. */
async function transcript(entries: ConversationEntry[]): Promise<string[]> {
  return Promise.all(
    entries.map(async (entry) =>
      entry.type === "message"
        ? `${entry.message.role}: ${(entry.message.parts[0] as { text: string }).text}`
        : `assistant: ${await answerOf(entry.streamUrl)}`,
    ),
  );
}

describe.each(ALL_STREAMS_SERVERS)("AI SDK conversation forks on %s", (_name, start) => {
  let server: StreamsServer;
  let app: AppServer;
  let script: Script = { kind: "text", tokens: [] };
  let chat: ReturnType<typeof chatApp>;

  beforeAll(async () => {
    server = await start();
    chat = chatApp({ streamsBase: server.base, script: () => script, conversations: true });
    app = await startApp(chat.handle);
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  /** One request as `useChat` makes it, read to its end. */
  async function turn(
    tokens: string[],
    messages: UIMessage[],
    trigger: "submit-message" | "regenerate-message" = "submit-message",
    messageId?: string,
  ): Promise<string> {
    script = { kind: "text", tokens };
    const transport = createDurableChatTransport({ api: `${app.url}/api/chat` });
    const chunks = await transport.sendMessages({
      trigger,
      chatId: "c1",
      messageId,
      messages,
      abortSignal: undefined,
    });
    let text = "";
    for await (const chunk of chunks as unknown as AsyncIterable<UIMessageChunk>) {
      if (chunk.type === "text-delta") text += chunk.delta;
    }
    return text;
  }

  it("regenerate and edit fork the conversation at that message; every branch stays readable", async () => {
    const u1 = user("u1", "Name a colour");
    const u2 = user("u2", "Another one");
    expect(await turn(["Blue."], [u1])).toBe("Blue.");
    const a1 = assistant("a1", "Blue.");
    expect(await turn(["Red."], [u1, a1, u2])).toBe("Red.");
    const main = chat.branches.get("c1")!;
    const original = [
      "user: Name a colour",
      "assistant: Blue.",
      "user: Another one",
      "assistant: Red.",
    ];
    expect(await transcript(await readDurableConversation({ url: main }))).toEqual(original);

    // regenerate(): useChat drops the answer and sends the history before it.
    expect(await turn(["Green."], [u1, a1, u2], "regenerate-message", "a2")).toBe("Green.");
    const regenerated = chat.branches.get("c1")!;
    expect(regenerated).not.toBe(main);
    expect(await transcript(await readDurableConversation({ url: regenerated }))).toEqual([
      ...original.slice(0, 3),
      "assistant: Green.",
    ]);

    // Edit the second question: same id, new text, nothing after it.
    const edited = user("u2", "A warm one");
    expect(await turn(["Orange."], [u1, a1, edited], "submit-message", "u2")).toBe("Orange.");
    const edit = chat.branches.get("c1")!;
    expect(edit).not.toBe(regenerated);
    expect(await transcript(await readDurableConversation({ url: edit }))).toEqual([
      ...original.slice(0, 2),
      "user: A warm one",
      "assistant: Orange.",
    ]);

    // A new question goes on the current branch without forking it.
    const u3 = user("u3", "And a cold one?");
    await turn(["Teal."], [u1, a1, edited, assistant("a4", "Orange."), u3]);
    expect(chat.branches.get("c1")).toBe(edit);
    expect((await readDurableConversation({ url: edit })).length).toBe(6);

    // The original and the first branch are untouched.
    expect(await transcript(await readDurableConversation({ url: main }))).toEqual(original);
    expect((await readDurableConversation({ url: regenerated })).length).toBe(4);
  });
});
