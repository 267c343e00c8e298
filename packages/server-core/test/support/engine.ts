/** Drives a `DurableStreamsEngine` over the memory store with plain request objects. */

import {
  type Clock,
  DurableStreamsEngine,
  type EngineConfig,
  type EngineResponse,
  type ExpiryScheduler,
  type ForkPeer,
  isStreamingBody,
  loadPart,
  MemoryStore,
  type Share,
  type SharedRead,
  WakeHub,
} from "../../src/index.js";

/** A `WakeHub` that counts notifications per stream id (the engine's wake-ups). */
export class CountingHub extends WakeHub<SharedRead> {
  readonly notified = new Map<number, number>();

  override notify(streamId: number, share: Share<SharedRead>): void {
    this.notified.set(streamId, (this.notified.get(streamId) ?? 0) + 1);
    super.notify(streamId, share);
  }
}

/** A clock the test moves. */
export class TestClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
}

export interface TestEngine {
  readonly engine: DurableStreamsEngine;
  readonly store: MemoryStore;
  readonly hub: CountingHub;
  readonly clock: TestClock;
  /** Sends one request; `query` and `headers` as plain objects. */
  call(
    method: string,
    path: string,
    options?: {
      headers?: Record<string, string>;
      body?: string;
      query?: Record<string, string>;
      signal?: AbortSignal;
    },
  ): Promise<EngineResponse>;
}

/** An engine over a fresh memory store, with a counting hub and a test clock. */
export function testEngine(
  options: {
    forks?: ForkPeer;
    expiry?: ExpiryScheduler;
    now?: number;
    store?: MemoryStore;
    /** More engine configuration (hooks, registry, subscriptions...). */
    config?: Partial<EngineConfig>;
  } = {},
): TestEngine {
  const store = options.store ?? new MemoryStore();
  const hub = new CountingHub();
  const clock = new TestClock(options.now ?? Date.UTC(2026, 0, 1));
  const engine = new DurableStreamsEngine({
    store,
    hub,
    clock,
    ...(options.forks ? { forks: options.forks } : {}),
    ...(options.expiry ? { expiry: options.expiry } : {}),
    longPollTimeoutMs: 60_000,
    ...options.config,
  });
  return {
    engine,
    store,
    hub,
    clock,
    call(method, path, { headers = {}, body, query = {}, signal } = {}) {
      const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      // Streams here are text/plain unless a test says otherwise.
      if ((method === "PUT" || body !== undefined) && !lower.has("content-type")) {
        lower.set("content-type", "text/plain");
      }
      return engine.handle(
        {
          method,
          path,
          query: new URLSearchParams(query),
          header: (name) => lower.get(name.toLowerCase()) ?? null,
          body: body === undefined ? null : new TextEncoder().encode(body),
          signal: signal ?? new AbortController().signal,
        },
        `http://engine.test/v1/stream/${path}`,
      );
    },
  };
}

/** The text of a fixed response body. */
export function text(response: EngineResponse): string {
  if (response.body === null) return "";
  if (isStreamingBody(response.body)) throw new Error("streaming body");
  return response.body.map((part) => new TextDecoder().decode(loadPart(part))).join("");
}

/** A response header by case-insensitive name, or undefined. */
export function header(response: EngineResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
