/**
 * The AI SDK transport end to end: a chat backend running `streamText` on a
 * mock language model writes through `toDurableStreamResponse` into a real
 * server (durastream on SQLite, and the official server), and the transport
 * reads the generation back as `useChat` would.
 */

import { forkStream, stream } from "@durastream/client";
import { streamText, type UIMessage, type UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_STREAMS_SERVERS,
  type AppServer,
  SERVER_START_TIMEOUT_MS,
  STREAMS_SERVERS,
  type StreamsServer,
  startApp,
  startFlakyProxy,
} from "../../../test-support/ai-servers.js";
import { createDurableChatTransport, toDurableStreamResponse } from "../src/index.js";
import { chatApp, type Script, scriptedModel } from "./chat-app.js";

const USER: UIMessage = { id: "u1", role: "user", parts: [{ type: "text", text: "Hello?" }] };
const TOKENS = Array.from({ length: 40 }, (_, i) => `tok${i} `);

/** Reads a chunk stream to its end, optionally stopping early through `onChunk`. */
async function drain(
  chunks: ReadableStream<UIMessageChunk>,
  onChunk?: (chunk: UIMessageChunk, all: UIMessageChunk[]) => void,
): Promise<UIMessageChunk[]> {
  const all: UIMessageChunk[] = [];
  const reader = chunks.getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return all;
      all.push(next.value);
      onChunk?.(next.value, all);
    }
  } catch (error) {
    if ((error as Error).name === "AbortError") return all;
    throw error;
  }
}

function deltas(chunks: ReadonlyArray<UIMessageChunk | { type: string }>): string[] {
  return chunks.flatMap((chunk) =>
    chunk.type === "text-delta" ? [(chunk as { delta: string }).delta] : [],
  );
}

async function isClosed(url: string): Promise<boolean> {
  const head = await fetch(url, { method: "HEAD" });
  return head.headers.get("Stream-Closed") === "true";
}

/** Everything stored in a stream, read without waiting. */
async function stored(
  url: string,
  offset?: string,
): Promise<{ items: UIMessageChunk[]; offset: string }> {
  const response = await stream<UIMessageChunk>({ url, json: true, live: false, offset });
  const items = await response.json<UIMessageChunk>();
  return { items, offset: response.offset };
}

function send(
  transport: ReturnType<typeof createDurableChatTransport>,
  chatId: string,
  signal?: AbortSignal,
) {
  return transport.sendMessages({
    trigger: "submit-message",
    chatId,
    messageId: undefined,
    messages: [USER],
    abortSignal: signal,
  });
}

describe.each(ALL_STREAMS_SERVERS)("AI SDK transport on %s", (_name, start) => {
  let server: StreamsServer;
  let app: AppServer;
  let script: Script = { kind: "text", tokens: TOKENS };
  let chat: ReturnType<typeof chatApp>;

  beforeAll(async () => {
    server = await start();
    chat = chatApp({ streamsBase: server.base, script: () => script });
    app = await startApp(chat.handle);
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  const transport = () =>
    createDurableChatTransport({
      api: `${app.url}/api/chat`,
      stopApi: (id) => `${app.url}/api/chat/${id}/stop`,
    });

  it("streams the answer token by token, each once, and closes the stream when it is done", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 2 };
    const chunks = await drain(await send(transport(), "c-stream"));
    expect(deltas(chunks)).toEqual(TOKENS);
    expect(chunks[0]?.type).toBe("start");
    expect(chunks.at(-1)?.type).toBe("finish");
    expect(await isClosed(chat.streams.at(-1)!)).toBe(true);
  });

  it("mode await answers 200 with the final offset once the generation is stored", async () => {
    const url = `${server.base}/await-${Date.now()}`;
    const result = streamText({
      model: scriptedModel({ kind: "text", tokens: TOKENS }),
      prompt: "x",
    });
    const response = await toDurableStreamResponse({
      source: result.toUIMessageStream(),
      stream: { writeUrl: url },
      mode: "await",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Location")).toBe(url);
    const body = (await response.json()) as { streamUrl: string; finalOffset: string };
    const head = await fetch(url, { method: "HEAD" });
    expect(body).toEqual({ streamUrl: url, finalOffset: head.headers.get("Stream-Next-Offset") });
    expect(head.headers.get("Stream-Closed")).toBe("true");
    expect(deltas((await stored(url)).items)).toEqual(TOKENS);
  });

  it("carries tool calls and their results", async () => {
    script = { kind: "tool", city: "Lisbon" };
    const chunks = await drain(await send(transport(), "c-tool"));
    expect(chunks).toContainEqual(
      expect.objectContaining({
        type: "tool-input-available",
        toolName: "weather",
        input: { city: "Lisbon" },
      }),
    );
    expect(chunks).toContainEqual(
      expect.objectContaining({
        type: "tool-output-available",
        output: { city: "Lisbon", celsius: 21 },
      }),
    );
    expect(await isClosed(chat.streams.at(-1)!)).toBe(true);
  });

  it("delivers a model error after the tokens produced before it, and closes the stream", async () => {
    script = { kind: "error", tokens: ["partial ", "answer "], message: "model overloaded" };
    const chunks = await drain(await send(transport(), "c-error"));
    expect(deltas(chunks)).toEqual(["partial ", "answer "]);
    expect(chunks.some((chunk) => chunk.type === "error")).toBe(true);
    expect(await isClosed(chat.streams.at(-1)!)).toBe(true);
  });

  it("stop ends the generation: the stream keeps what was produced, ends with abort and is closed", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 25 };
    const controller = new AbortController();
    await drain(await send(transport(), "c-stop", controller.signal), (_chunk, all) => {
      if (deltas(all).length === 3) controller.abort();
    });
    const url = chat.streams.at(-1)!;
    await expect.poll(() => isClosed(url), { timeout: 5_000 }).toBe(true);
    const { items } = await stored(url);
    const produced = deltas(items);
    expect(produced.length).toBeGreaterThanOrEqual(3);
    expect(produced.length).toBeLessThan(TOKENS.length);
    expect(produced).toEqual(TOKENS.slice(0, produced.length));
    expect(items.at(-1)).toEqual({ type: "abort" });
  });

  it("a reload mid-generation resumes it: the answer is read in full, each token once", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 10 };
    // A reload stops reading; it does not stop the generation (no stopApi).
    const tab = createDurableChatTransport({ api: `${app.url}/api/chat` });
    const reload = new AbortController();
    const before = await drain(await send(tab, "c-reload", reload.signal), (_chunk, all) => {
      if (deltas(all).length >= 5) reload.abort();
    });
    expect(deltas(before).length).toBeLessThan(TOKENS.length);
    const resumed = await tab.reconnectToStream({ chatId: "c-reload" });
    expect(resumed).not.toBeNull();
    const chunks = await drain(resumed!);
    expect(deltas(chunks)).toEqual(TOKENS);
    expect(await tab.reconnectToStream({ chatId: "c-reload" })).toBeNull();
  });

  it("resumes from a mid-stream offset with no token lost or doubled", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 10 };
    const reading = drain(await send(transport(), "c-offset"));
    const url = chat.streams.at(-1)!;
    await expect.poll(async () => deltas((await stored(url)).items).length).toBeGreaterThan(5);
    const head = await stored(url);
    const rest = await stream<UIMessageChunk>({
      url,
      json: true,
      live: "sse",
      offset: head.offset,
    });
    const tail: UIMessageChunk[] = [];
    for await (const chunk of rest.jsonStream()) tail.push(chunk);
    expect([...deltas(head.items), ...deltas(tail)]).toEqual(TOKENS);
    expect(deltas(await reading)).toEqual(TOKENS);
  });

  it("regenerate from here forks the conversation at an offset and leaves the original intact", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 5 };
    const reading = drain(await send(transport(), "c-fork"));
    const url = chat.streams.at(-1)!;
    await expect.poll(async () => deltas((await stored(url)).items).length).toBeGreaterThan(3);
    const head = await stored(url);
    await reading;
    const fork = await forkStream({ url: `${url}-branch`, source: url, offset: head.offset });
    await fetch(fork.stream.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "text-delta", id: "t", delta: "branch" }),
    });
    expect(deltas((await stored(fork.stream.url)).items)).toEqual([
      ...deltas(head.items),
      "branch",
    ]);
    expect(deltas((await stored(url)).items)).toEqual(TOKENS);
  });
});

describe("AI SDK transport through a network that drops live reads", () => {
  let server: StreamsServer;
  let app: AppServer;
  let proxy: Awaited<ReturnType<typeof startFlakyProxy>>;

  beforeAll(async () => {
    server = await STREAMS_SERVERS[0]![1]();
    proxy = await startFlakyProxy(server.base, 60);
    const chat = chatApp({
      streamsBase: server.base,
      readBase: proxy.base,
      script: () => ({ kind: "text", tokens: TOKENS, delayMs: 20 }),
    });
    app = await startApp(chat.handle);
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await server?.close();
  });

  it("a lost append acknowledgement is retried and stored once: each token once", async () => {
    const writes = await startFlakyProxy(server.base, 60_000, { loseEveryNthAck: 3 });
    try {
      const chat = chatApp({
        streamsBase: writes.base,
        readBase: server.base,
        script: () => ({ kind: "text", tokens: TOKENS, delayMs: 10 }),
      });
      const writer = await startApp(chat.handle);
      try {
        const transport = createDurableChatTransport({ api: `${writer.url}/api/chat` });
        const chunks = await drain(await send(transport, "c-lost-ack"));
        expect(writes.cuts).toBeGreaterThan(2);
        expect(deltas(chunks)).toEqual(TOKENS);
      } finally {
        await writer.close();
      }
    } finally {
      await writes.close();
    }
  });

  it("resumes from the last offset after every cut: each token once", async () => {
    const transport = createDurableChatTransport({ api: `${app.url}/api/chat` });
    const chunks = await drain(await send(transport, "c-flaky"));
    expect(proxy.cuts).toBeGreaterThan(2);
    expect(deltas(chunks)).toEqual(TOKENS);
  });
});
