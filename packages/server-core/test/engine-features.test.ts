/**
 * The engine's features as the engine wires them (features.ts): lifecycle
 * hooks, the registry stream, subscriptions over the memory store, and
 * retention refused by a store that cannot trim. They hear of stream changes
 * only through the engine's change hooks, so these tests drive plain requests.
 */

import { describe, expect, it } from "vitest";
import type { StreamCreatedEvent, StreamDeletedEvent } from "../src/index.js";
import { MemoryStore } from "../src/index.js";
import { testEngine, text } from "./support/engine.js";

/** Lets durable-change callbacks (hooks, registry appends, wakes) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("engine features", () => {
  it("lifecycle hooks hear creates (with a fork's origin), deletes and expiry, once each", async () => {
    const events: Array<StreamCreatedEvent | StreamDeletedEvent> = [];
    const { call, clock, engine } = testEngine({
      config: {
        onStreamCreated: (e) => void events.push(e),
        onStreamDeleted: (e) => void events.push(e),
      },
    });
    await call("PUT", "src", { body: "abc" });
    await call("PUT", "fork", { headers: { "stream-forked-from": "src" } });
    await call("PUT", "ttl", { headers: { "stream-ttl": "1" } });
    // The source is soft-deleted while its fork lives: announced gone once, now.
    await call("DELETE", "src");
    await call("DELETE", "fork");
    clock.time += 1_000;
    expect(await engine.sweepExpired()).toBe(1);
    await settle();
    expect(events.map((e) => [e.type, e.path, "reason" in e ? e.reason : e.forkedFrom])).toEqual([
      ["created", "src", null],
      ["created", "fork", { path: "src", offset: expect.any(String) }],
      ["created", "ttl", null],
      ["deleted", "src", "deleted"],
      ["deleted", "fork", "deleted"],
      ["deleted", "ttl", "expired"],
    ]);
  });

  it("the registry stream holds the lifecycle events; without it __ds/registry is 404", async () => {
    const { call } = testEngine({ config: { registry: true } });
    await call("PUT", "a");
    await call("DELETE", "a");
    await settle();
    const read = await call("GET", "__ds/registry", { query: { offset: "-1" } });
    expect(read.status).toBe(200);
    const events = JSON.parse(text(read)) as Array<{ type: string; path: string }>;
    expect(events.map((e) => [e.type, e.path])).toEqual([
      ["created", "a"],
      ["deleted", "a"],
    ]);

    const off = testEngine();
    expect((await off.call("GET", "__ds/registry", { query: { offset: "-1" } })).status).toBe(404);
  });

  it("subscriptions live in memory beside a memory store: an append wakes a pull-wake subscription", async () => {
    const { call, engine } = testEngine();
    await engine.ready;
    await call("PUT", "wake", { headers: { "content-type": "application/json" } });
    const put = await call("PUT", "__ds/subscriptions/sub-1", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "pull-wake", pattern: "jobs/*", wake_stream: "wake" }),
    });
    expect(put.status).toBe(201);
    await call("PUT", "jobs/1");
    await settle();
    expect(text(await call("GET", "wake", { query: { offset: "-1" } }))).toBe("[]");
    await call("POST", "jobs/1", { body: "work" });
    await settle();
    const wake = await call("GET", "wake", { query: { offset: "-1" } });
    const [event] = JSON.parse(text(wake)) as Array<Record<string, unknown>>;
    expect(event).toMatchObject({ type: "wake", subscription_id: "sub-1", stream: "jobs/1" });
    engine.close();
  });

  it("a store that cannot trim refuses retention settings, and changes nothing", async () => {
    class NoRetention extends MemoryStore {
      override get retention() {
        return undefined;
      }
    }
    const { call, store } = testEngine({ store: new NoRetention() });
    const refused = await call("PUT", "r", { headers: { "stream-retention-max-bytes": "10" } });
    expect(refused.status).toBe(400);
    expect(JSON.parse(text(refused)).error.code).toBe("RETENTION_UNSUPPORTED");
    expect(store.get("r")).toBeUndefined();
  });
});
