/**
 * The AI SDK transport against the Cloudflare runtime: the Worker and its
 * Durable Objects on workerd (Miniflare), the same streaming test as on Node.
 */

import type { UIMessageChunk } from "ai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type AppServer, startApp } from "../../../test-support/ai-servers.js";
import { type LocalWorker, startLocalWorker } from "../../cloudflare/dev/local-worker.js";
import { keepAliveBelowWorkerd } from "../../cloudflare/test/helpers.js";
import { createDurableChatTransport } from "../src/index.js";
import { chatApp } from "./chat-app.js";

keepAliveBelowWorkerd();

const TOKENS = Array.from({ length: 30 }, (_, i) => `cf${i} `);

let worker: LocalWorker;
let app: AppServer;
let chat: ReturnType<typeof chatApp>;

beforeAll(async () => {
  worker = await startLocalWorker({ port: 0 });
  chat = chatApp({
    streamsBase: `${worker.url}/v1/stream`,
    script: () => ({ kind: "text", tokens: TOKENS, delayMs: 5 }),
  });
  app = await startApp(chat.handle);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await worker?.close();
});

it("streams the answer token by token, each once, and closes the stream on workerd", async () => {
  const transport = createDurableChatTransport({ api: `${app.url}/api/chat` });
  const chunks = await transport.sendMessages({
    trigger: "submit-message",
    chatId: "cf",
    messageId: undefined,
    messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "Hi" }] }],
    abortSignal: undefined,
  });
  const all: UIMessageChunk[] = [];
  for await (const chunk of chunks as unknown as AsyncIterable<UIMessageChunk>) all.push(chunk);
  expect(all.flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : []))).toEqual(
    TOKENS,
  );
  expect(all.at(-1)?.type).toBe("finish");
  const head = await fetch(chat.streams.at(-1)!, { method: "HEAD" });
  expect(head.headers.get("Stream-Closed")).toBe("true");
});
