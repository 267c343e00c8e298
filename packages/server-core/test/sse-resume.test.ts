/**
 * SSE sessions whose timers the runtime owns (`liveTimers: "runtime"`): saved
 * as plain state, resumed by another engine over the same store (what a
 * Durable Object does after hibernating), and kept alive on request.
 */

import { describe, expect, it } from "vitest";
import {
  type ByteSink,
  DurableStreamsEngine,
  type EngineResponse,
  isSseStream,
  MemoryStore,
  type SseStream,
  WakeHub,
} from "../src/index.js";
import { TestClock } from "./support/engine.js";

const decoder = new TextDecoder();

interface Frames extends ByteSink {
  readonly frames: string[];
  /** Resolves when the session ends the response. */
  readonly ended: Promise<void>;
  /** Resolves once `count` frames have arrived. */
  until(count: number): Promise<void>;
}

function frames(): Frames {
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  let onEnd = () => {};
  const sink: Frames = {
    frames: [],
    ended: new Promise<void>((resolve) => {
      onEnd = resolve;
    }),
    write(chunk) {
      sink.frames.push(decoder.decode(chunk));
      for (const entry of waiting.splice(0)) {
        if (sink.frames.length >= entry.count) entry.resolve();
        else waiting.push(entry);
      }
      return true;
    },
    onDrain() {},
    end() {
      onEnd();
    },
    until(count) {
      if (sink.frames.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
  };
  return sink;
}

function runtimeEngine(store: MemoryStore, clock: TestClock): DurableStreamsEngine {
  return new DurableStreamsEngine({ store, hub: new WakeHub(), clock, liveTimers: "runtime" });
}

function call(
  engine: DurableStreamsEngine,
  method: string,
  query: Record<string, string> = {},
  body?: string,
): Promise<EngineResponse> {
  return engine.handle(
    {
      method,
      path: "s",
      query: new URLSearchParams(query),
      header: (name) => (name.toLowerCase() === "content-type" ? "text/plain" : null),
      body: body === undefined ? null : new TextEncoder().encode(body),
      signal: new AbortController().signal,
    },
    "http://engine.test/v1/stream/s",
  );
}

async function sseSession(engine: DurableStreamsEngine): Promise<SseStream> {
  const response = await call(engine, "GET", { offset: "-1", live: "sse" });
  if (!isSseStream(response.body)) throw new Error("not an SSE session");
  return response.body;
}

function control(frame: string): { streamNextOffset: string; streamCursor?: string } {
  const line = frame
    .split("\n")
    .reverse()
    .find((candidate) => candidate.startsWith("data:{"));
  return JSON.parse(line!.slice(5));
}

describe("SSE sessions with runtime-owned timers", () => {
  it("resume from saved state on another engine, without an opening control event", async () => {
    const store = new MemoryStore();
    const clock = new TestClock(Date.UTC(2026, 0, 1));
    const first = runtimeEngine(store, clock);
    await call(first, "PUT", {}, "one");
    const session = await sseSession(first);
    const sink = frames();
    session.start(sink);
    await sink.until(1);
    expect(sink.frames[0]).toContain("data:one");
    const saved = session.state();
    expect(saved.position).toBe(3);
    session.cancel();

    // A new engine over the same store: what the object is after hibernating.
    const second = runtimeEngine(store, clock);
    const resumedSink = frames();
    const resumed = second.resumeSse(saved, resumedSink);
    expect(resumed).not.toBeNull();
    expect(resumedSink.frames).toEqual([]);
    const append = await call(second, "POST", {}, "two");
    await resumedSink.until(1);
    expect(resumedSink.frames[0]).toContain("data:two");
    const event = control(resumedSink.frames[0]!);
    expect(event.streamNextOffset).toBe(append.headers["Stream-Next-Offset"]);
    expect(event.streamCursor).toBe(saved.cursorText);
    expect(resumed!.state().position).toBe(6);
  });

  it("sends a control event on keepAlive() while waiting, and refuses to resume a deleted stream", async () => {
    const store = new MemoryStore();
    const clock = new TestClock(Date.UTC(2026, 0, 1));
    const engine = runtimeEngine(store, clock);
    await call(engine, "PUT", {}, "x");
    const session = await sseSession(engine);
    const sink = frames();
    session.start(sink);
    await sink.until(1);
    session.keepAlive();
    await sink.until(2);
    expect(sink.frames[1]).not.toContain("event: data");
    expect(control(sink.frames[1]!).streamNextOffset).toBe(
      control(sink.frames[0]!).streamNextOffset,
    );
    const saved = session.state();

    expect((await call(engine, "DELETE")).status).toBe(204);
    // The deletion wakes the session, which ends the response.
    await sink.ended;
    expect(engine.resumeSse(saved, frames())).toBeNull();
  });
});
