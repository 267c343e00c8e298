/**
 * TanStack AI chat sessions end to end: a backend runs `chat()` on a scripted
 * adapter and writes each turn through `toDurableChatSessionResponse` into a
 * real server (durastream on SQLite, and the official server); readers use
 * `durableStreamConnection` as `useChat` would.
 */

import { stream } from "@durastream/client";
import { chat } from "@tanstack/ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_STREAMS_SERVERS,
  type AppServer,
  SERVER_START_TIMEOUT_MS,
  STREAMS_SERVERS,
  type StreamsServer,
  startApp,
  startFlakyProxy,
  uniqueName,
} from "../../../test-support/ai-servers.js";
import {
  durableStreamConnection,
  forkDurableChatSession,
  materializeSnapshotFromDurableStream,
  type TanStackChunk,
  toDurableChatSessionResponse,
  toDurableStreamResponse,
} from "../src/index.js";
import { type Script, scriptedAdapter } from "./scripted-adapter.js";

const TOKENS = Array.from({ length: 30 }, (_, i) => `w${i} `);

/** Everything stored in a stream, read without waiting. */
async function stored(url: string): Promise<TanStackChunk[]> {
  const response = await stream<TanStackChunk>({ url, json: true, live: false });
  return response.json<TanStackChunk>();
}

const deltasOf = (chunks: TanStackChunk[]) =>
  chunks
    .filter((chunk) => chunk.type === "TEXT_MESSAGE_CONTENT" && chunk.model !== "client")
    .map((c) => c.delta);

/** Reads a connection until `until` says stop (or the stream ends). */
async function collect(
  iterable: AsyncIterable<TanStackChunk>,
  until: (chunk: TanStackChunk, all: TanStackChunk[]) => boolean,
): Promise<TanStackChunk[]> {
  const all: TanStackChunk[] = [];
  for await (const chunk of iterable) {
    all.push(chunk);
    if (until(chunk, all)) break;
  }
  return all;
}

const runEnded = (chunk: TanStackChunk) =>
  chunk.type === "RUN_FINISHED" || chunk.type === "RUN_ERROR";

/** The chat backend: POST /chat?session=… runs one turn, POST /stop?session=… stops it. */
function sessionApp(base: string, script: () => Script) {
  const adapter = scriptedAdapter(script);
  const stops = new Map<string, AbortController>();
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const session = `${base}/${url.searchParams.get("session")}`;
    if (url.pathname === "/stop") {
      stops.get(session)?.abort();
      return new Response(null, { status: 204 });
    }
    const { messages } = (await request.json()) as {
      messages: Array<{
        id: string;
        role: string;
        parts: Array<{ type: string; content: string }>;
      }>;
    };
    const controller = new AbortController();
    stops.set(session, controller);
    const last = messages.at(-1);
    const responseStream = chat({
      adapter,
      messages: messages.map((m) => ({
        role: m.role as "user",
        content: m.parts[0]?.content ?? "",
      })),
      abortController: controller,
    });
    return toDurableChatSessionResponse({
      stream: { writeUrl: session },
      newMessages: last ? [last] : [],
      responseStream,
      signal: controller.signal,
    });
  };
}

const userMessage = (id: string, text: string) => ({
  id,
  role: "user",
  parts: [{ type: "text", content: text }],
});

describe.each(ALL_STREAMS_SERVERS)("TanStack AI session on %s", (_name, start) => {
  let server: StreamsServer;
  let app: AppServer;
  let script: Script = { kind: "text", tokens: TOKENS };

  beforeAll(async () => {
    server = await start();
    app = await startApp(sessionApp(server.base, () => script));
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  const connect = (session: string, initialOffset?: string) =>
    durableStreamConnection({
      sendUrl: `${app.url}/chat?session=${session}`,
      readUrl: `${server.base}/${session}`,
      initialOffset,
    });

  it("streams the answer token by token to a live reader, after the user's message", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 3 };
    const session = uniqueName("s-tokens");
    const connection = connect(session);
    await connection.send([userMessage("u1", "Hello?")]);
    const chunks = await collect(connection.subscribe(), runEnded);
    const all = chunks[0]?.type === "MESSAGES_SNAPSHOT" ? chunks : [];
    expect(all[0]?.messages?.[0]).toMatchObject({ id: "u1", role: "user" });
    const text = (
      await materializeSnapshotFromDurableStream({ readUrl: `${server.base}/${session}` })
    ).messages;
    expect(text.map((m) => [m.role, m.parts[0]?.content])).toEqual([
      ["user", "Hello?"],
      ["assistant", TOKENS.join("")],
    ]);
    const raw = await stored(`${server.base}/${session}`);
    expect(deltasOf(raw)).toEqual(TOKENS);
    // Stored once per token: the accumulated `content` is not kept.
    expect(raw.some((chunk) => chunk.type === "TEXT_MESSAGE_CONTENT" && "content" in chunk)).toBe(
      false,
    );
  });

  it("carries tool calls", async () => {
    script = { kind: "tool", city: "Porto" };
    const session = uniqueName("s-tool");
    await connect(session).send([userMessage("u1", "Weather?")]);
    await expect
      .poll(async () => (await stored(`${server.base}/${session}`)).some(runEnded))
      .toBe(true);
    const raw = await stored(`${server.base}/${session}`);
    expect(raw).toContainEqual(
      expect.objectContaining({ type: "TOOL_CALL_START", toolCallId: "call-1" }),
    );
    expect(raw).toContainEqual(
      expect.objectContaining({ type: "TOOL_CALL_END", toolCallId: "call-1" }),
    );
  });

  it("stores a model error after the tokens produced before it", async () => {
    script = { kind: "error", tokens: ["half ", "an "], message: "model overloaded" };
    const session = uniqueName("s-error");
    await connect(session).send([userMessage("u1", "Hi")]);
    await expect
      .poll(async () => (await stored(`${server.base}/${session}`)).some(runEnded))
      .toBe(true);
    const raw = await stored(`${server.base}/${session}`);
    expect(deltasOf(raw)).toEqual(["half ", "an "]);
    expect(raw.find((chunk) => chunk.type === "RUN_ERROR")).toMatchObject({
      message: "model overloaded",
    });
  });

  it("stop keeps what was produced and ends the run; the session goes on", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 25 };
    const session = uniqueName("s-stop");
    const connection = connect(session);
    await connection.send([userMessage("u1", "Hi")]);
    await expect
      .poll(async () => deltasOf(await stored(`${server.base}/${session}`)).length)
      .toBeGreaterThan(2);
    await fetch(`${app.url}/stop?session=${session}`, { method: "POST" });
    await expect
      .poll(async () => (await stored(`${server.base}/${session}`)).some(runEnded))
      .toBe(true);
    const raw = await stored(`${server.base}/${session}`);
    const produced = deltasOf(raw);
    expect(produced.length).toBeLessThan(TOKENS.length);
    expect(produced).toEqual(TOKENS.slice(0, produced.length));
    expect(raw.at(-2)).toMatchObject({ type: "TEXT_MESSAGE_END" });
    expect(raw.at(-1)).toMatchObject({ type: "RUN_FINISHED", finishReason: "stop" });
  });

  it("re-subscribing (a dropped connection, a reload from a snapshot) resumes with every token once", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 10 };
    const session = uniqueName("s-resume");
    const connection = connect(session);
    await connection.send([userMessage("u1", "Hi")]);
    const first = new AbortController();
    const before = await collect(
      connection.subscribe(first.signal),
      (_c, all) => deltasOf(all).length >= 5,
    );
    first.abort();
    const after = await collect(connection.subscribe(), runEnded);
    const snapshot = before[0]?.type === "MESSAGES_SNAPSHOT" ? before[0].messages : [];
    const snapshotText =
      snapshot.find((m: { role: string }) => m.role === "assistant")?.parts[0]?.content ?? "";
    expect(snapshotText + [...deltasOf(before), ...deltasOf(after)].join("")).toBe(TOKENS.join(""));

    // A reload: materialize what is there, then subscribe from its offset.
    const page = await materializeSnapshotFromDurableStream({
      readUrl: `${server.base}/${session}`,
    });
    script = { kind: "text", tokens: ["again"] };
    const reloaded = connect(session, page.offset);
    await reloaded.send([userMessage("u2", "More")]);
    const next = await collect(reloaded.subscribe(), runEnded);
    expect(next[0]).toMatchObject({ type: "TEXT_MESSAGE_START", messageId: "u2" });
    expect(deltasOf(next)).toEqual(["again"]);
  });

  it("regenerate from here forks before the answer; both branches stay readable", async () => {
    const session = uniqueName("s-fork");
    const url = `${server.base}/${session}`;
    script = { kind: "text", tokens: ["first ", "answer"] };
    await connect(session).send([userMessage("u1", "One")]);
    await expect.poll(async () => (await stored(url)).filter(runEnded).length).toBe(1);
    script = { kind: "text", tokens: ["second ", "answer"] };
    await connect(session).send([userMessage("u2", "Two")]);
    await expect.poll(async () => (await stored(url)).filter(runEnded).length).toBe(2);
    const original = await materializeSnapshotFromDurableStream({ readUrl: url });
    const answer = original.messages.at(-1);
    expect(answer.parts[0].content).toBe("second answer");

    const branch = await forkDurableChatSession({
      source: url,
      target: `${url}-b`,
      beforeMessageId: answer.id,
    });
    expect(branch.messages.map((m) => m.parts[0]?.content)).toEqual(["One", "first answer", "Two"]);
    script = { kind: "text", tokens: ["better ", "answer"] };
    await connect(`${session}-b`).send([]);
    await expect.poll(async () => (await stored(branch.url)).filter(runEnded).length).toBe(2);
    const regenerated = await materializeSnapshotFromDurableStream({ readUrl: branch.url });
    expect(regenerated.messages.map((m) => m.parts[0]?.content)).toEqual([
      "One",
      "first answer",
      "Two",
      "better answer",
    ]);
    const untouched = await materializeSnapshotFromDurableStream({ readUrl: url });
    expect(untouched.messages.map((m) => m.parts[0]?.content)).toEqual([
      "One",
      "first answer",
      "Two",
      "second answer",
    ]);

    // Edit an earlier message: fork before it and send the edited one.
    const edit = await forkDurableChatSession({
      source: url,
      target: `${url}-e`,
      beforeMessageId: "u2",
    });
    expect(edit.messages.map((m) => m.parts[0]?.content)).toEqual(["One", "first answer"]);
  });

  it("a per-generation stream is closed when the generation ends, so readers end", async () => {
    const url = `${server.base}/${uniqueName("g")}`;
    script = { kind: "text", tokens: TOKENS };
    const response = await toDurableStreamResponse(
      chat({ adapter: scriptedAdapter(() => script), messages: [{ role: "user", content: "x" }] }),
      {
        stream: { writeUrl: url },
        mode: "await",
      },
    );
    expect(response.status).toBe(200);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.headers.get("Stream-Closed")).toBe("true");
    const live = await stream<TanStackChunk>({ url, json: true, live: "sse" });
    const chunks: TanStackChunk[] = [];
    for await (const chunk of live.jsonStream()) chunks.push(chunk);
    expect(deltasOf(chunks)).toEqual(TOKENS);
  });
});

describe("TanStack AI session through a flaky network", () => {
  let server: StreamsServer;
  let proxy: Awaited<ReturnType<typeof startFlakyProxy>>;
  beforeAll(async () => {
    server = await STREAMS_SERVERS[0]![1]();
    // Live reads cut every 60 ms; every third append loses its acknowledgement.
    proxy = await startFlakyProxy(server.base, 60, { loseEveryNthAck: 3 });
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it("every token is written once and read once", async () => {
    const session = uniqueName("s-flaky");
    const adapter = scriptedAdapter(() => ({ kind: "text", tokens: TOKENS, delayMs: 15 }));
    await toDurableChatSessionResponse({
      stream: { writeUrl: `${proxy.base}/${session}` },
      newMessages: [userMessage("u1", "Hi")],
      responseStream: chat({ adapter, messages: [{ role: "user", content: "Hi" }] }),
    });
    const connection = durableStreamConnection({
      sendUrl: `${proxy.base}/${session}`,
      readUrl: `${proxy.base}/${session}`,
    });
    const chunks = await collect(connection.subscribe(), runEnded);
    const snapshot = chunks[0]?.type === "MESSAGES_SNAPSHOT" ? chunks[0].messages : [];
    const early =
      snapshot.find((m: { role: string }) => m.role === "assistant")?.parts[0]?.content ?? "";
    expect(early + deltasOf(chunks).join("")).toBe(TOKENS.join(""));
    expect(deltasOf(await stored(`${server.base}/${session}`))).toEqual(TOKENS);
    expect(proxy.cuts).toBeGreaterThan(2);
  });
});
