/**
 * Switching from `@durable-streams/tanstack-ai-transport` is an import
 * change: the same exports, and a session written by either package's server
 * helpers is read by either package's connection, on both servers.
 */

import { readdirSync, readFileSync } from "node:fs";
import * as official from "@durable-streams/tanstack-ai-transport";
import { chat } from "@tanstack/ai";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  STREAMS_SERVERS,
  type StreamsServer,
  uniqueName,
} from "../../../test-support/ai-servers.js";
import * as ours from "../src/index.js";
import { scriptedAdapter } from "./scripted-adapter.js";

const TOKENS = Array.from({ length: 20 }, (_, i) => `x${i} `);

it("exports every name the official package exports", () => {
  const missing = Object.keys(official).filter((name) => !(name in ours));
  expect(missing).toEqual([]);
});

it("peers: @tanstack/ai and @tanstack/ai-client, optional, as only the ./proxy entry loads one", () => {
  const manifest = (url: URL) => JSON.parse(readFileSync(url, "utf8"));
  const ours = manifest(new URL("../package.json", import.meta.url));
  const theirs = manifest(
    new URL(
      "../../../node_modules/@durable-streams/tanstack-ai-transport/package.json",
      import.meta.url,
    ),
  );
  // The official package declares no peers; an app that switches keeps working without them.
  expect(theirs.peerDependencies).toBeUndefined();
  expect(Object.keys(ours.peerDependencies).sort()).toEqual([
    "@tanstack/ai",
    "@tanstack/ai-client",
  ]);
  expect(ours.peerDependenciesMeta).toEqual({
    "@tanstack/ai": { optional: true },
    "@tanstack/ai-client": { optional: true },
  });
  // Optional holds only while the root entry loads neither at runtime (type imports vanish).
  const src = new URL("../src/", import.meta.url);
  const loading = readdirSync(src).filter(
    (file) =>
      file !== "proxy.ts" &&
      /^import (?!type )[^;]*from "@tanstack\//m.test(readFileSync(new URL(file, src), "utf8")),
  );
  expect(loading).toEqual([]);
});

it("accepts every option the official package accepts (checked by the typecheck)", () => {
  // Each official call's arguments type-check against ours, so an app's
  // existing calls compile after the import change; `npm run typecheck` fails here otherwise.
  expectTypeOf<Parameters<typeof official.durableStreamConnection>>().toExtend<
    Parameters<typeof ours.durableStreamConnection>
  >();
  expectTypeOf<Parameters<typeof official.materializeSnapshotFromDurableStream>>().toExtend<
    Parameters<typeof ours.materializeSnapshotFromDurableStream>
  >();
  expectTypeOf<Parameters<typeof official.toDurableChatSessionResponse>>().toExtend<
    Parameters<typeof ours.toDurableChatSessionResponse>
  >();
  expectTypeOf<Parameters<typeof official.toDurableStreamResponse>>().toExtend<
    Parameters<typeof ours.toDurableStreamResponse>
  >();
  expectTypeOf<Parameters<typeof official.toMessageEchoChunks>>().toExtend<
    Parameters<typeof ours.toMessageEchoChunks>
  >();
  expectTypeOf<Parameters<typeof official.ensureDurableChatSessionStream>>().toExtend<
    Parameters<typeof ours.ensureDurableChatSessionStream>
  >();
  expectTypeOf<official.DurableStreamConnectionOptions>().toExtend<ours.DurableStreamConnectionOptions>();
  expectTypeOf<official.DurableStreamTarget>().toExtend<ours.DurableStreamTarget>();
  expectTypeOf<official.DurableChatSessionStreamTarget>().toExtend<ours.DurableChatSessionStreamTarget>();
  expectTypeOf<official.ToDurableChatSessionResponseOptions>().toExtend<ours.ToDurableChatSessionResponseOptions>();
  expectTypeOf<official.ToDurableStreamResponseOptions>().toExtend<ours.ToDurableStreamResponseOptions>();
  expectTypeOf<official.DurableSessionMessage>().toEqualTypeOf<ours.DurableSessionMessage>();
  expectTypeOf<official.DurableSessionConnection>().toEqualTypeOf<ours.DurableSessionConnection>();
  expectTypeOf<official.ToDurableStreamResponseMode>().toEqualTypeOf<ours.ToDurableStreamResponseMode>();
});

const PAIRS = [
  [
    "official connection ← our session writer",
    official.durableStreamConnection,
    ours.toDurableChatSessionResponse,
  ],
  [
    "our connection ← official session writer",
    ours.durableStreamConnection,
    official.toDurableChatSessionResponse,
  ],
  [
    "our connection ← our session writer",
    ours.durableStreamConnection,
    ours.toDurableChatSessionResponse,
  ],
] as const;

describe.each(STREAMS_SERVERS)("interop on %s", (_name, start) => {
  let server: StreamsServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server?.close());

  it.each(PAIRS)("%s: the same streaming test passes", async (_pair, connect, respond) => {
    const url = `${server.base}/${uniqueName("interop")}`;
    const adapter = scriptedAdapter(() => ({ kind: "text", tokens: TOKENS, delayMs: 2 }));
    const response = await respond({
      stream: { writeUrl: url },
      newMessages: [{ id: "u1", role: "user", parts: [{ type: "text", content: "Hi" }] }],
      responseStream: chat({ adapter, messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(202);
    const connection = connect({ sendUrl: url, readUrl: url });
    const seen: Array<{ type: string; delta?: string; messages?: unknown[] }> = [];
    for await (const chunk of connection.subscribe()) {
      seen.push(chunk);
      if (chunk.type === "RUN_FINISHED") break;
    }
    const snapshot = seen[0];
    expect(snapshot?.type).toBe("MESSAGES_SNAPSHOT");
    const fromSnapshot =
      // biome-ignore lint/suspicious/noExplicitAny: TanStack UI messages
      ((snapshot?.messages ?? []) as any[]).find((m) => m.role === "assistant")?.parts[0]
        ?.content ?? "";
    const live = seen.flatMap((c) => (c.type === "TEXT_MESSAGE_CONTENT" ? [c.delta] : [])).join("");
    expect(fromSnapshot + live).toBe(TOKENS.join(""));
  });
});
