/**
 * Every option of the official `@durable-streams/aisdk-transport` does in ours
 * what it does in theirs: each case runs once with the official package and
 * once with ours, against durastream, and the two runs are compared — the
 * requests they make, the responses they give, what they store.
 */

import * as official from "@durable-streams/aisdk-transport";
import { stream } from "@durastream/client";
import type { UIMessage, UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RecordingFront,
  type StreamsServer,
  startDurastream,
  startRecordingFront,
  uniqueName,
} from "../../../test-support/ai-servers.js";
import * as ours from "../src/index.js";
import { chatApp } from "./chat-app.js";

const IMPLEMENTATIONS = [
  ["official", official],
  ["ours", ours],
] as const;
type Implementation = (typeof IMPLEMENTATIONS)[number][1];

const CHUNKS: UIMessageChunk[] = [
  { type: "start" },
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "Hello " },
  { type: "text-delta", id: "t", delta: "there." },
  { type: "text-end", id: "t" },
  { type: "finish" },
];

async function* source(): AsyncIterable<UIMessageChunk> {
  yield* CHUNKS;
}

let server: StreamsServer;
let front: RecordingFront;
beforeAll(async () => {
  server = await startDurastream();
  front = await startRecordingFront(server.base);
});
afterAll(async () => {
  await front?.close();
  await server?.close();
});

const stored = async (url: string) =>
  (await stream<UIMessageChunk>({ url, json: true, live: false })).json<UIMessageChunk>();

/** The same case run with each package; each run's outcome, by package. */
async function both<T>(run: (impl: Implementation) => Promise<T>) {
  const [theirs, mine] = [await run(official), await run(ours)];
  return { theirs, mine };
}

describe("toDurableStreamResponse options, ours as the official package's", () => {
  it("immediate: 201 pointing at readUrl, Location exposed; headers resolved on every write; waitUntil gets the write, which closes the stream", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const name = uniqueName("opt-immediate");
      const readUrl = `${server.base}/${name}`;
      const pending: Array<Promise<unknown>> = [];
      const before = front.requests.length;
      const response = await impl.toDurableStreamResponse({
        source: source(),
        stream: {
          writeUrl: `${front.base}/${name}`,
          readUrl,
          headers: { "x-app-token": () => "secret" },
        },
        waitUntil: (promise) => pending.push(promise),
      });
      expect(pending).toHaveLength(1);
      await pending[0];
      const writes = front.requests.slice(before);
      return {
        status: response.status,
        location: response.headers.get("location") === readUrl,
        exposed: response.headers.get("access-control-expose-headers"),
        cache: response.headers.get("cache-control"),
        body: (await response.json()).streamUrl === readUrl,
        closed: (await fetch(readUrl, { method: "HEAD" })).headers.get("stream-closed"),
        stored: await stored(readUrl),
        created: writes[0]?.method === "PUT" && writes[0].headers["content-type"],
        tokenOnEveryWrite: writes.every((w) => w.headers["x-app-token"] === "secret"),
      };
    });
    expect(theirs).toEqual({
      status: 201,
      location: true,
      exposed: "Location",
      cache: "no-store",
      body: true,
      closed: "true",
      stored: CHUNKS,
      created: "application/json",
      tokenOnEveryWrite: true,
    });
    expect(mine).toEqual(theirs);
  });

  it("exposeLocationHeader: false leaves Location unexposed", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const response = await impl.toDurableStreamResponse({
        source: source(),
        stream: { writeUrl: `${server.base}/${uniqueName("opt-expose")}` },
        exposeLocationHeader: false,
      });
      return [response.status, response.headers.get("access-control-expose-headers")];
    });
    expect(theirs).toEqual([201, null]);
    expect(mine).toEqual(theirs);
  });

  it("mode await: 200 with the final offset once written", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const url = `${server.base}/${uniqueName("opt-await")}`;
      const response = await impl.toDurableStreamResponse({
        source: source(),
        stream: { writeUrl: url },
        mode: "await",
      });
      const body = await response.json();
      const tail = (await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset");
      return [response.status, body.streamUrl === url, body.finalOffset === tail];
    });
    expect(theirs).toEqual([200, true, true]);
    expect(mine).toEqual(theirs);
  });

  it("createIfMissing: false writes into an existing stream and never creates a missing one", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const existing = `${server.base}/${uniqueName("opt-existing")}`;
      await fetch(existing, { method: "PUT", headers: { "content-type": "application/json" } });
      const into = await impl.toDurableStreamResponse({
        source: source(),
        stream: { writeUrl: existing, createIfMissing: false },
        mode: "await",
      });
      const missing = `${server.base}/${uniqueName("opt-missing")}`;
      const refused = await impl
        .toDurableStreamResponse({
          source: source(),
          stream: { writeUrl: missing, createIfMissing: false },
          mode: "await",
        })
        .then(
          () => "answered",
          () => "rejected",
        );
      return {
        into: into.status,
        stored: await stored(existing),
        refused,
        missing: (await fetch(missing, { method: "HEAD" })).status,
      };
    });
    expect(theirs).toEqual({ into: 200, stored: CHUNKS, refused: "rejected", missing: 404 });
    expect(mine).toEqual(theirs);
  });

  it("contentType: the stream is created with it", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const url = `${server.base}/${uniqueName("opt-type")}`;
      await impl.toDurableStreamResponse({
        source: source(),
        stream: { writeUrl: url, contentType: "application/json; charset=utf-8" },
        mode: "await",
      });
      const head = await fetch(url, { method: "HEAD" });
      return [head.headers.get("content-type"), await stored(url)];
    });
    expect(theirs[0]).toMatch(/^application\/json/);
    expect(theirs[1]).toEqual(CHUNKS);
    expect(mine).toEqual(theirs);
  });
});

describe("createDurableChatTransport options, ours as the official package's", () => {
  const USER: UIMessage = { id: "u1", role: "user", parts: [{ type: "text", text: "Hi" }] };

  it("api, headers, fetchClient and reconnectApi: the same requests, the same answer", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const app = chatApp({
        streamsBase: server.base,
        script: () => ({ kind: "text", tokens: ["a ", "b ", "c"] }),
        mode: "await",
      });
      const requests: Array<{ method: string; url: string; headers: unknown; body: unknown }> = [];
      const fetchClient: typeof fetch = async (input, init) => {
        const url = String(input);
        requests.push({
          method: init?.method ?? "GET",
          url,
          headers: Object.fromEntries(new Headers(init?.headers)),
          body: init?.body ? JSON.parse(String(init.body)) : undefined,
        });
        // The app's resume route lives where reconnectApi says.
        const path = url === "/resume/chat-o" ? "/api/chat/chat-o/stream" : url;
        return app.handle(new Request(new URL(path, "http://app.local"), init));
      };
      const transport = impl.createDurableChatTransport({
        api: "/api/chat",
        reconnectApi: "/resume/chat-o",
        headers: [["x-app", "1"]],
        fetchClient,
      });
      const read = async (chunks: ReadableStream<UIMessageChunk> | null) => {
        const all: UIMessageChunk[] = [];
        if (chunks)
          for await (const c of chunks as unknown as AsyncIterable<UIMessageChunk>) all.push(c);
        return all.flatMap((c) => (c.type === "text-delta" ? [c.delta] : []));
      };
      const sent = await read(
        await transport.sendMessages({
          trigger: "submit-message",
          chatId: "chat-o",
          messageId: undefined,
          messages: [USER],
          abortSignal: undefined,
          headers: { "x-request": "2" },
          body: { extra: true },
        }),
      );
      // Nothing in flight after the generation: the resume endpoint answers 204.
      const resumed = await transport.reconnectToStream({
        chatId: "chat-o",
        headers: { "x-request": "3" },
      });
      return { sent, resumed, requests };
    });
    expect(theirs.sent).toEqual(["a ", "b ", "c"]);
    expect(theirs.resumed).toBeNull();
    expect(theirs.requests.map((r) => [r.method, r.url])).toEqual([
      ["POST", "/api/chat"],
      ["GET", "/resume/chat-o"],
    ]);
    expect(theirs.requests[0]?.headers).toMatchObject({ "x-app": "1", "x-request": "2" });
    expect(theirs.requests[1]?.headers).toMatchObject({ "x-app": "1", "x-request": "3" });
    expect(mine).toEqual(theirs);
  });
});
