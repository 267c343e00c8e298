/**
 * Every option and helper of the official `@durable-streams/tanstack-ai-transport`
 * does in ours what it does in theirs: each case runs once with the official
 * package and once with ours, against durastream, and the two runs are
 * compared — the requests they make, what they yield, answer and store.
 * (Ours also records where each message begins, `durableStreamOffset`, which
 * the comparison leaves out.)
 */

import * as official from "@durable-streams/tanstack-ai-transport";
import { DurableStream, stream } from "@durastream/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RecordingFront,
  type StreamsServer,
  startDurastream,
  startRecordingFront,
  uniqueName,
} from "../../../test-support/ai-servers.js";
import type { TanStackChunk } from "../src/index.js";
import * as ours from "../src/index.js";

const IMPLEMENTATIONS = [official, ours] as const;
type Implementation = (typeof IMPLEMENTATIONS)[number];

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

/** The same case run with each package; each run's outcome, by package. */
async function both<T>(run: (impl: Implementation) => Promise<T>) {
  const [theirs, mine] = [await run(official), await run(ours)];
  return { theirs, mine };
}

/** A chunk without what differs by design or by clock: ours' message offset, timestamps. */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === "object") {
    const { durableStreamOffset: _o, timestamp: _t, ...rest } = value as Record<string, unknown>;
    return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

const stored = async (url: string) =>
  comparable(await (await stream<TanStackChunk>({ url, json: true, live: false })).json());

const user = (id: string, text: string) => ({
  id,
  role: "user",
  parts: [{ type: "text", content: text }],
});

async function* answer(id: string, words: string[]): AsyncIterable<TanStackChunk> {
  yield { type: "RUN_STARTED", runId: `r-${id}`, threadId: "t" };
  yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
  let content = "";
  for (const delta of words) {
    content += delta;
    // As adapters emit it: the delta and the text so far.
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta, content };
  }
  yield { type: "TEXT_MESSAGE_END", messageId: id };
  yield { type: "RUN_FINISHED", runId: `r-${id}`, threadId: "t", finishReason: "stop" };
}

/** A two-turn session (written by ours), and the offset after its first turn. */
async function twoTurnSession(): Promise<{ url: string; afterFirst: string }> {
  const url = `${server.base}/${uniqueName("opt-session")}`;
  await ours.toDurableChatSessionResponse({
    stream: { writeUrl: url },
    newMessages: [user("u1", "One")],
    responseStream: answer("a1", ["first ", "answer"]),
    mode: "await",
  });
  const afterFirst = (await ours.materializeSnapshotFromDurableStream({ readUrl: url })).offset!;
  await ours.toDurableChatSessionResponse({
    stream: { writeUrl: url },
    newMessages: [user("u2", "Two")],
    responseStream: answer("a2", ["second"]),
    mode: "await",
  });
  return { url, afterFirst };
}

type Connection = ReturnType<typeof ours.durableStreamConnection>;

/** What a live subscription yields up to the first chunk `last` accepts; then it is aborted. */
async function until(
  connection: Connection,
  last: (chunk: TanStackChunk) => boolean,
): Promise<unknown[]> {
  const abort = new AbortController();
  const chunks: TanStackChunk[] = [];
  for await (const chunk of connection.subscribe(abort.signal)) {
    chunks.push(chunk);
    if (last(chunk)) break;
  }
  abort.abort();
  return chunks.map(comparable);
}

const snapshot = (chunk: TanStackChunk) => chunk.type === "MESSAGES_SNAPSHOT";
const secondRunEnds = (chunk: TanStackChunk) =>
  chunk.type === "RUN_FINISHED" && chunk.runId === "r-a2";

describe("durableStreamConnection options, ours as the official package's", () => {
  let session: { url: string; afterFirst: string };
  beforeAll(async () => {
    session = await twoTurnSession();
  });
  const readUrl = () => `${front.base}/${session.url.slice(server.base.length + 1)}`;

  it("subscribe: the history as one snapshot, read with the connection's headers", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const before = front.requests.length;
      const connection = impl.durableStreamConnection({
        sendUrl: "http://app.invalid/send",
        readUrl: readUrl(),
        headers: { "x-app": "1" },
      });
      const chunks = await until(connection, snapshot);
      const reads = front.requests.slice(before);
      return { chunks, headed: reads.length > 0 && reads.every((r) => r.headers["x-app"] === "1") };
    });
    expect(theirs.chunks).toHaveLength(1);
    expect(theirs.chunks[0]).toMatchObject({ type: "MESSAGES_SNAPSHOT" });
    expect(theirs.headed).toBe(true);
    expect(mine).toEqual(theirs);
  });

  it("emitSnapshotOnSubscribe: false yields the stored chunks themselves", async () => {
    const { theirs, mine } = await both(async (impl) =>
      until(
        impl.durableStreamConnection({ sendUrl: session.url, emitSnapshotOnSubscribe: false }),
        secondRunEnds,
      ),
    );
    expect(theirs).toEqual(await stored(session.url));
    expect(mine).toEqual(theirs);
  });

  it("initialOffset: only what follows it, no snapshot", async () => {
    const { theirs, mine } = await both(async (impl) =>
      until(
        impl.durableStreamConnection({
          sendUrl: session.url,
          readUrl: session.url,
          initialOffset: session.afterFirst,
        }),
        secondRunEnds,
      ),
    );
    expect(theirs[0]).toMatchObject({ type: "TEXT_MESSAGE_START", messageId: "u2" });
    expect(theirs.at(-1)).toMatchObject({ type: "RUN_FINISHED", runId: "r-a2" });
    expect(mine).toEqual(theirs);
  });

  it("a closed session: ours yields its history and ends, where the official connection yields nothing", async () => {
    const closed = await twoTurnSession();
    await new DurableStream({ url: closed.url, contentType: "application/json" }).close();
    const read = async (impl: Implementation) => {
      const chunks: TanStackChunk[] = [];
      for await (const chunk of impl.durableStreamConnection({ sendUrl: closed.url }).subscribe()) {
        chunks.push(chunk);
      }
      return chunks;
    };
    expect(await read(official)).toEqual([]);
    const mine = await read(ours);
    expect(mine.map((chunk) => chunk.type)).toEqual(["MESSAGES_SNAPSHOT"]);
    expect(
      mine[0].messages.map((m: { parts: Array<{ content: string }> }) => m.parts[0]?.content),
    ).toEqual(["One", "first answer", "Two", "second"]);
  });

  it("send: POSTs { messages, data } with the headers through fetchClient; an error body's message is thrown", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const requests: unknown[] = [];
      let status = 202;
      const fetchClient: typeof fetch = async (input, init) => {
        requests.push({
          url: String(input),
          method: init?.method,
          headers: Object.fromEntries(new Headers(init?.headers)),
          body: JSON.parse(String(init?.body)),
        });
        return status === 202
          ? new Response(null, { status })
          : Response.json({ error: "the model is busy" }, { status });
      };
      const connection = impl.durableStreamConnection({
        sendUrl: "http://app.invalid/chat?id=1",
        headers: new Headers({ "x-app": "1" }),
        fetchClient,
      });
      await connection.send([user("u1", "Hi")], { temperature: 0 });
      status = 503;
      const failure = await connection.send([user("u2", "Again")]).then(
        () => "sent",
        (error: Error) => error.message,
      );
      return { requests, failure };
    });
    expect(theirs.failure).toBe("the model is busy");
    expect(theirs.requests[0]).toMatchObject({
      url: "http://app.invalid/chat?id=1",
      method: "POST",
      headers: { "x-app": "1" },
      body: { messages: [user("u1", "Hi")], data: { temperature: 0 } },
    });
    expect(mine).toEqual(theirs);
  });

  it("materializeSnapshotFromDurableStream: messages and offset, from an offset, through fetchClient and headers", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const seen: string[] = [];
      const fetchClient: typeof fetch = (input, init) => {
        seen.push(new Headers(init?.headers).get("x-app") ?? "none");
        return fetch(input, init);
      };
      const whole = await impl.materializeSnapshotFromDurableStream({ readUrl: session.url });
      const rest = await impl.materializeSnapshotFromDurableStream({
        readUrl: session.url,
        offset: session.afterFirst,
        headers: { "x-app": "1" },
        fetchClient,
      });
      return {
        whole: comparable(whole.messages),
        offset: whole.offset,
        rest: comparable(rest.messages),
        seen,
      };
    });
    expect((theirs.whole as unknown[]).length).toBe(4);
    expect((theirs.rest as unknown[]).length).toBe(2);
    expect(theirs.seen.length).toBeGreaterThan(0);
    expect(theirs.seen.every((h) => h === "1")).toBe(true);
    expect(mine).toEqual(theirs);
  });
});

describe("server helpers, ours as the official package's", () => {
  it("sanitizeChunkForStorage and toMessageEchoChunks", () => {
    const chunks = [
      { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: "b", content: "ab" },
      { type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" },
      { type: "TOOL_CALL_ARGS", toolCallId: "c", delta: "{}" },
      "plain",
    ];
    expect(chunks.map(ours.sanitizeChunkForStorage)).toEqual(
      chunks.map(official.sanitizeChunkForStorage),
    );
    const messages = [
      user("u1", "Hi"),
      { id: "s", role: "system", parts: [{ type: "text", text: "Be brief." }] },
      { id: "e", role: "assistant", parts: [] },
      { id: "x", role: "other", parts: [{ type: "image" }, { type: "text", content: "x" }] },
    ];
    for (const message of messages) {
      expect(comparable(ours.toMessageEchoChunks(message))).toEqual(
        comparable(official.toMessageEchoChunks(message)),
      );
    }
  });

  it("ensureDurableChatSessionStream, appendSanitizedChunksToStream, pipeSanitizedChunksToStream: the same stream, left open", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const url = `${server.base}/${uniqueName("opt-helpers")}`;
      const refused = await impl
        .ensureDurableChatSessionStream({ writeUrl: url, contentType: "text/plain" })
        .then(
          () => "opened",
          (error: Error) => error.message,
        );
      const handle = await impl.ensureDurableChatSessionStream({
        writeUrl: url,
        headers: { "x-app": () => "1" },
      });
      // Typed per package: each helper takes its own package's handle.
      const append = impl.appendSanitizedChunksToStream as (
        s: unknown,
        c: TanStackChunk[],
      ) => Promise<void>;
      const pipe = impl.pipeSanitizedChunksToStream as (
        s: AsyncIterable<TanStackChunk>,
        h: unknown,
      ) => Promise<void>;
      await append(handle, official.toMessageEchoChunks(user("u1", "Hi")));
      await pipe(answer("a1", ["Hel", "lo"]), handle);
      // Ensuring again finds the stream as it is.
      await impl.ensureDurableChatSessionStream({ writeUrl: url });
      const head = await fetch(url, { method: "HEAD" });
      return {
        refused,
        type: head.headers.get("content-type"),
        open: head.headers.get("stream-closed"),
        stored: await stored(url),
      };
    });
    expect(theirs.refused).toBe('Chat session streams must use content type "application/json"');
    expect(theirs.open).toBeNull();
    expect(JSON.stringify(theirs.stored)).not.toContain('"content"');
    expect(mine).toEqual(theirs);
  });

  it("toDurableStreamResponse: immediate (readUrl, waitUntil, exposeLocationHeader) and await", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const name = uniqueName("opt-generation");
      const readUrl = `/streams/${name}`;
      const pending: Array<Promise<unknown>> = [];
      const immediate = await impl.toDurableStreamResponse(answer("g1", ["a", "b"]), {
        stream: { writeUrl: `${server.base}/${name}`, readUrl },
        waitUntil: (promise) => pending.push(promise),
        exposeLocationHeader: false,
      });
      await Promise.all(pending);
      const waited = `${server.base}/${uniqueName("opt-generation-await")}`;
      const awaited = await impl.toDurableStreamResponse(answer("g2", ["c"]), {
        stream: { writeUrl: waited },
        mode: "await",
      });
      const awaitedBody = await awaited.json();
      const tail = await fetch(waited, { method: "HEAD" });
      return {
        immediate: [
          immediate.status,
          immediate.headers.get("location") === readUrl,
          immediate.headers.get("access-control-expose-headers"),
          immediate.headers.get("cache-control"),
          (await immediate.json()).streamUrl === readUrl,
          pending.length,
        ],
        stored: await stored(`${server.base}/${name}`),
        closed: (await fetch(`${server.base}/${name}`, { method: "HEAD" })).headers.get(
          "stream-closed",
        ),
        awaited: [
          awaited.status,
          awaitedBody.streamUrl === waited,
          awaitedBody.finalOffset === tail.headers.get("stream-next-offset"),
          tail.headers.get("stream-closed"),
        ],
      };
    });
    expect(theirs.immediate).toEqual([201, true, null, "no-store", true, 1]);
    expect(theirs.closed).toBe("true");
    expect(theirs.awaited).toEqual([200, true, true, "true"]);
    expect(mine).toEqual(theirs);
  });

  it("toDurableChatSessionResponse: 202 at once and waitUntil gets the answer, or 200 once written", async () => {
    const { theirs, mine } = await both(async (impl) => {
      const url = `${server.base}/${uniqueName("opt-turn")}`;
      const pending: Array<Promise<unknown>> = [];
      const first = await impl.toDurableChatSessionResponse({
        stream: { writeUrl: url, headers: { "x-app": "1" } },
        newMessages: [user("u1", "One")],
        responseStream: answer("a1", ["one"]),
        waitUntil: (promise) => pending.push(promise),
      });
      await Promise.all(pending);
      const second = await impl.toDurableChatSessionResponse({
        stream: { writeUrl: url },
        newMessages: [user("u2", "Two")],
        responseStream: answer("a2", ["two"]),
        mode: "await",
      });
      return {
        statuses: [first.status, second.status, pending.length],
        cache: [first.headers.get("cache-control"), second.headers.get("cache-control")],
        bodies: [await first.text(), await second.text()],
        stored: await stored(url),
      };
    });
    expect(theirs.statuses).toEqual([202, 200, 1]);
    expect(mine).toEqual(theirs);
  });
});
