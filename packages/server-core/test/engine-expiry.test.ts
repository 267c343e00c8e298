/** The expiry-scheduler port: the engine asks for a sweep when a stream will expire, and sweeps. */

import { describe, expect, it } from "vitest";
import type { ExpiryScheduler } from "../src/index.js";
import { testEngine } from "./support/engine.js";

/** A scheduler that records what the engine asks and sweeps when the test says. */
class ManualScheduler implements ExpiryScheduler {
  sweep: (() => Promise<number>) | null = null;
  readonly wakes: number[] = [];
  start(sweep: () => Promise<number>): void {
    this.sweep = sweep;
  }
  wakeAt(at: number): void {
    this.wakes.push(at);
  }
}

describe("engine expiry through the scheduler port", () => {
  it("asks for a sweep at a new stream's expiry and retires it when the sweep runs then", async () => {
    const expiry = new ManualScheduler();
    const { call, clock, store } = testEngine({ expiry });
    expect(expiry.sweep).not.toBeNull();
    const created = clock.now();
    await call("PUT", "ttl", { headers: { "stream-ttl": "30" } });
    await call("PUT", "forever");
    expect(expiry.wakes).toEqual([created + 30_000]);

    clock.time = created + 29_999;
    expect(await expiry.sweep!()).toBe(0);
    expect(store.get("ttl")).toBeDefined();
    clock.time = created + 30_000;
    expect(await expiry.sweep!()).toBe(1);
    expect(store.get("ttl")).toBeUndefined();
    expect(store.get("forever")).toBeDefined();
  });

  it("keeps an expired source soft-deleted for its fork, then removes both with the fork", async () => {
    const expiry = new ManualScheduler();
    const { call, clock, store } = testEngine({ expiry });
    const created = clock.now();
    await call("PUT", "src", { body: "data", headers: { "stream-ttl": "10" } });
    await call("PUT", "fork", { headers: { "stream-forked-from": "src", "stream-ttl": "100" } });
    clock.time = created + 10_000;
    expect(await expiry.sweep!()).toBe(1);
    expect(store.get("src")?.softDeleted).toBe(true);
    clock.time = created + 100_000;
    expect(await expiry.sweep!()).toBe(1);
    expect(store.get("fork")).toBeUndefined();
    expect(store.get("src")).toBeUndefined();
  });
});
