/**
 * Switching from `@durable-streams/aisdk-transport` is an import change: the
 * same exports, and either side works with the other's — the official
 * transport reads what our server helper writes, ours reads what theirs
 * writes — on both servers.
 */

import { readFileSync } from "node:fs";
import * as official from "@durable-streams/aisdk-transport";
import type { UIMessage, UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  type AppServer,
  STREAMS_SERVERS,
  type StreamsServer,
  startApp,
} from "../../../test-support/ai-servers.js";
import * as ours from "../src/index.js";
import { chatApp, type Script } from "./chat-app.js";

const TOKENS = Array.from({ length: 25 }, (_, i) => `t${i} `);
const USER: UIMessage = { id: "u1", role: "user", parts: [{ type: "text", text: "Hi" }] };

it("exports every name the official package exports", () => {
  const missing = Object.keys(official).filter((name) => !(name in ours));
  expect(missing).toEqual([]);
});

it("declares the official package's peer dependencies", () => {
  const manifest = (url: URL) => JSON.parse(readFileSync(url, "utf8"));
  const ours = manifest(new URL("../package.json", import.meta.url));
  const theirs = manifest(
    new URL("../../../node_modules/@durable-streams/aisdk-transport/package.json", import.meta.url),
  );
  expect(ours.peerDependencies).toEqual(theirs.peerDependencies);
  expect(ours.peerDependencies).toEqual({ ai: "^6.0.0" });
});

it("accepts every option the official package accepts (checked by the typecheck)", () => {
  // Each official call's arguments type-check against ours, so an app's
  // existing calls compile after the import change; `npm run typecheck` fails here otherwise.
  expectTypeOf<Parameters<typeof official.createDurableChatTransport>>().toExtend<
    Parameters<typeof ours.createDurableChatTransport>
  >();
  expectTypeOf<Parameters<typeof official.toDurableStreamResponse>>().toExtend<
    Parameters<typeof ours.toDurableStreamResponse>
  >();
  expectTypeOf<official.DurableChatTransportOptions>().toExtend<ours.DurableChatTransportOptions>();
  expectTypeOf<official.ToDurableStreamResponseOptions>().toExtend<ours.ToDurableStreamResponseOptions>();
  expectTypeOf<official.DurableStreamTarget>().toExtend<ours.DurableStreamTarget>();
  expectTypeOf<official.ToDurableStreamResponseMode>().toEqualTypeOf<ours.ToDurableStreamResponseMode>();
  expectTypeOf<official.WaitUntil>().toEqualTypeOf<ours.WaitUntil>();
  // What the functions give back is what the official ones give back.
  expectTypeOf<ReturnType<typeof ours.createDurableChatTransport>>().toExtend<
    ReturnType<typeof official.createDurableChatTransport>
  >();
  expectTypeOf<ReturnType<typeof ours.toDurableStreamResponse>>().toEqualTypeOf<
    ReturnType<typeof official.toDurableStreamResponse>
  >();
});

async function readAll(chunks: ReadableStream<UIMessageChunk>): Promise<UIMessageChunk[]> {
  const all: UIMessageChunk[] = [];
  for await (const chunk of chunks as unknown as AsyncIterable<UIMessageChunk>) all.push(chunk);
  return all;
}

const PAIRS = [
  [
    "official transport ← our server helper",
    official.createDurableChatTransport,
    ours.toDurableStreamResponse,
  ],
  [
    "our transport ← official server helper",
    ours.createDurableChatTransport,
    official.toDurableStreamResponse,
  ],
  [
    "our transport ← our server helper",
    ours.createDurableChatTransport,
    ours.toDurableStreamResponse,
  ],
] as const;

describe.each(STREAMS_SERVERS)("interop on %s", (_name, start) => {
  let server: StreamsServer;
  const apps: AppServer[] = [];
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await server?.close();
  });

  it.each(PAIRS)("%s: the same streaming test passes", async (_pair, createTransport, respond) => {
    const script: Script = { kind: "text", tokens: TOKENS, delayMs: 2 };
    const chat = chatApp({
      streamsBase: server.base,
      script: () => script,
      respond: respond as typeof ours.toDurableStreamResponse,
    });
    const app = await startApp(chat.handle);
    apps.push(app);
    const transport = createTransport({ api: `${app.url}/api/chat` });
    const chunks = await readAll(
      await transport.sendMessages({
        trigger: "submit-message",
        chatId: "interop",
        messageId: undefined,
        messages: [USER],
        abortSignal: undefined,
      }),
    );
    const deltas = chunks.flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : []));
    expect(deltas).toEqual(TOKENS);
    expect(chunks.at(-1)?.type).toBe("finish");
    const head = await fetch(chat.streams.at(-1)!, { method: "HEAD" });
    expect(head.headers.get("Stream-Closed")).toBe("true");
  });
});
