/**
 * The SSE fan-out on workerd: the Worker holds the reader's SSE response, the
 * stream's object pushes frames over a hibernatable WebSocket. The object
 * really hibernates while the reader waits (workerd evicts it) and resumes the
 * session from the socket's saved state when an append wakes it; the Worker
 * runs the keep-alive and lifetime timers the object must not hold.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * The keep-alive period of the hibernation test: longer than workerd's 10 s
 * eviction of an idle object that nothing pins in memory, so the Worker's
 * keep-alive reaches an object that was evicted and has to be built again.
 */
const KEEP_ALIVE_MS = 16_000;

interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Reads SSE events from a response body, one at a time (null at its end). */
interface SseReader {
  (): Promise<SseEvent | null>;
  cancel(): Promise<void>;
}

function sseEvents(body: ReadableStream<Uint8Array>): SseReader {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const next = async () => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5));
        }
        return { event, data: data.join("\n") };
      }
      const { done, value } = await reader.read();
      if (done) return null;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return Object.assign(next, { cancel: () => reader.cancel() });
}

async function constructions(worker: LocalWorker): Promise<number> {
  return Number(await (await fetch(`${worker.url}/constructions`)).text());
}

describe("SSE fan-out through the Worker", () => {
  let worker: LocalWorker;

  beforeAll(async () => {
    const script = await bundleWorker({ entry: join(HERE, "workerd", "counting-worker.ts") });
    worker = await startLocalWorker({
      port: 0,
      script,
      objectClass: "CountingStreamObject",
      vars: { LONG_POLL_TIMEOUT_MS: String(KEEP_ALIVE_MS), SSE_MAX_CONNECTION_MS: "120000" },
    });
  });

  afterAll(() => worker?.close());

  it("lets the object hibernate while a reader waits, then resumes the session for keep-alives and appends", async () => {
    const url = `${worker.url}/v1/stream/fanout/hibernate`;
    const headers = { "content-type": "text/plain" };
    expect((await fetch(url, { method: "PUT", headers, body: "first" })).status).toBe(201);
    const response = await fetch(`${url}?offset=-1&live=sse`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const next = sseEvents(response.body!);
    expect(await next()).toEqual({ event: "data", data: "first" });
    const caughtUp = JSON.parse((await next())!.data);
    expect(caughtUp.upToDate).toBe(true);
    const before = await constructions(worker);

    // Nothing pins the object while the reader waits (no request in flight, no
    // timer): workerd evicts it. The Worker's keep-alive wakes a new instance,
    // which resumes the session from its socket and answers with a control event.
    const keepAlive = await next();
    expect(keepAlive?.event).toBe("control");
    expect(JSON.parse(keepAlive!.data).streamNextOffset).toBe(caughtUp.streamNextOffset);
    expect(await constructions(worker)).toBe(before + 1);

    const append = await fetch(url, { method: "POST", headers, body: "second" });
    expect(append.status).toBe(204);
    expect(await next()).toEqual({ event: "data", data: "second" });
    const control = JSON.parse((await next())!.data);
    expect(control.streamNextOffset).toBe(append.headers.get("stream-next-offset"));
    expect(control.upToDate).toBe(true);
    await next.cancel();
  }, 30_000);
});

describe("SSE timers in the Worker", () => {
  let worker: LocalWorker;

  beforeAll(async () => {
    worker = await startLocalWorker({
      port: 0,
      vars: { LONG_POLL_TIMEOUT_MS: "300", SSE_MAX_CONNECTION_MS: "1500" },
    });
  });

  afterAll(() => worker?.close());

  it("sends keep-alive control events on an idle connection and closes it after its lifetime", async () => {
    const url = `${worker.url}/v1/stream/fanout/timers`;
    await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
    const response = await fetch(`${url}?offset=now&live=sse`);
    const next = sseEvents(response.body!);
    const events: SseEvent[] = [];
    for (let event = await next(); event !== null; event = await next()) events.push(event);
    // The connection ended by itself (lifetime), after the opening control
    // event and keep-alives, all control events at the same offset.
    expect(events.length).toBeGreaterThanOrEqual(2);
    const offsets = new Set(events.map((event) => JSON.parse(event.data).streamNextOffset));
    expect(events.every((event) => event.event === "control")).toBe(true);
    expect(offsets.size).toBe(1);
  });
});

/** Reads SSE `data` events until a control event says `upToDate`; returns their payloads. */
async function readUntilUpToDate(next: SseReader): Promise<string[]> {
  const data: string[] = [];
  for (let event = await next(); event !== null; event = await next()) {
    if (event.event === "data") data.push(event.data);
    else if (JSON.parse(event.data).upToDate) return data;
  }
  throw new Error("the SSE connection ended before it was up to date");
}

describe("SSE events of any size through the Worker", () => {
  let worker: LocalWorker;

  beforeAll(async () => {
    worker = await startLocalWorker({ port: 0 });
  });

  afterAll(() => worker?.close());

  it("delivers a 12 MB text event whole (frames are sliced under workerd's 1 MiB message limit)", async () => {
    const url = `${worker.url}/v1/stream/fanout/huge-text`;
    const headers = { "content-type": "text/plain" };
    expect((await fetch(url, { method: "PUT", headers })).status).toBe(201);
    const body = "0123456789abcdef".repeat(750_000); // 12,000,000 bytes
    expect((await fetch(url, { method: "POST", headers, body })).status).toBe(204);
    const response = await fetch(`${url}?offset=-1&live=sse`);
    const next = sseEvents(response.body!);
    const received = (await readUntilUpToDate(next)).join("");
    await next.cancel();
    expect(received.length).toBe(body.length);
    expect(received === body).toBe(true);
  }, 60_000);

  it("delivers a 3 MiB binary event whole (base64 makes its frame 4 MiB)", async () => {
    const url = `${worker.url}/v1/stream/fanout/huge-binary`;
    const headers = { "content-type": "application/octet-stream" };
    expect((await fetch(url, { method: "PUT", headers })).status).toBe(201);
    const body = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 11)) & 0xff;
    expect((await fetch(url, { method: "POST", headers, body })).status).toBe(204);
    const response = await fetch(`${url}?offset=-1&live=sse`);
    expect(response.headers.get("stream-sse-data-encoding")).toBe("base64");
    const next = sseEvents(response.body!);
    const chunks = (await readUntilUpToDate(next)).map((data) => Buffer.from(data, "base64"));
    await next.cancel();
    expect(Buffer.concat(chunks).equals(Buffer.from(body))).toBe(true);
  }, 60_000);

  it("delivers 1,000 appends of 10 KB in order, to a reader that catches up and to one that follows live", async () => {
    const url = `${worker.url}/v1/stream/fanout/many-appends`;
    const headers = { "content-type": "text/plain" };
    expect((await fetch(url, { method: "PUT", headers })).status).toBe(201);
    const live = await fetch(`${url}?offset=now&live=sse`);
    const liveNext = sseEvents(live.body!);
    expect((await liveNext())?.event).toBe("control");
    const message = (i: number) => `${String(i).padStart(4, "0")}:${"x".repeat(10_000 - 5)}`;
    const COUNT = 1_000;
    for (let i = 0; i < COUNT; i++) {
      const answer = await fetch(url, { method: "POST", headers, body: message(i) });
      expect(answer.status).toBe(204);
    }
    const expected = Array.from({ length: COUNT }, (_, i) => message(i)).join("");
    const catchUp = await fetch(`${url}?offset=-1&live=sse`);
    const catchUpNext = sseEvents(catchUp.body!);
    expect((await readUntilUpToDate(catchUpNext)).join("")).toBe(expected);
    await catchUpNext.cancel();
    let followed = "";
    while (followed.length < expected.length) {
      const event = await liveNext();
      if (event === null) throw new Error("the live reader's connection ended early");
      if (event.event === "data") followed += event.data;
    }
    await liveNext.cancel();
    expect(followed).toBe(expected);
  }, 120_000);
});
