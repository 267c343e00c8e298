/**
 * The real TanStack AI `ChatClient` on `durableStreamConnection`: the tab
 * that sends sees its message and the answer live, and a second tab opened
 * afterwards gets the same conversation from the session stream.
 */

import { chat } from "@tanstack/ai";
import { ChatClient } from "@tanstack/ai-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type AppServer,
  type StreamsServer,
  startApp,
  startDurastream,
} from "../../../test-support/ai-servers.js";
import {
  durableStreamConnection,
  ensureDurableChatSessionStream,
  toDurableChatSessionResponse,
} from "../src/index.js";
import { scriptedAdapter } from "./scripted-adapter.js";

const TOKENS = ["Durable ", "streams ", "remember ", "everything."];

let server: StreamsServer;
let app: AppServer;
let session: string;

beforeAll(async () => {
  server = await startDurastream();
  session = `${server.base}/chat-client-${Date.now()}`;
  const adapter = scriptedAdapter(() => ({ kind: "text", tokens: TOKENS, delayMs: 20 }));
  app = await startApp(async (request) => {
    const { messages } = (await request.json()) as {
      messages: Array<{ role: "user"; content?: string }>;
    };
    return toDurableChatSessionResponse({
      stream: { writeUrl: session },
      newMessages: messages.slice(-1),
      responseStream: chat({ adapter, messages: [{ role: "user", content: "hi" }] }),
    });
  });
});
afterAll(async () => {
  await app?.close();
  await server?.close();
});

const view = (client: ChatClient) =>
  client
    .getMessages()
    .map((m) => [m.role, m.parts.map((p) => (p as { content?: string }).content ?? "").join("")]);

it("the sending tab sees the answer live, and a second tab sees the same conversation", async () => {
  // The app creates the session when the chat is created, before any tab subscribes.
  await ensureDurableChatSessionStream({ writeUrl: session });
  const connection = () =>
    durableStreamConnection({ sendUrl: `${app.url}/chat`, readUrl: session });
  const first = new ChatClient({ connection: connection() });
  first.subscribe();
  try {
    await first.sendMessage("Hello?");
    const expected = [
      ["user", "Hello?"],
      ["assistant", TOKENS.join("")],
    ];
    await expect.poll(() => view(first), { timeout: 5_000 }).toEqual(expected);
    const second = new ChatClient({ connection: connection() });
    second.subscribe();
    try {
      await expect.poll(() => view(second), { timeout: 5_000 }).toEqual(expected);
    } finally {
      second.unsubscribe();
    }
  } finally {
    first.unsubscribe();
  }
});
