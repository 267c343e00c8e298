/**
 * Idempotent-producer state is bounded: `Producer-Id` has a length limit,
 * memory holds a bounded cache of states over the `producers` table (an
 * evicted producer still deduplicates, read back from the table), and a
 * producer idle past `--producer-ttl` is forgotten: treated as new
 * (Section 5.2.1, "Producer State Cleanup"), its row deleted by the sweep
 * (with `--memory`, its state dropped from memory by the sweep).
 */

import { MemoryStore } from "@durastream/server-core";
import { describe, expect, test } from "vitest";
import type { RunningServer, ServerOptions, SqliteStore } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const text = { "content-type": "text/plain" };

function producerRows(server: RunningServer): number {
  const db = (server.store as SqliteStore).db;
  return (db.prepare("SELECT COUNT(*) AS n FROM producers").get() as { n: number }).n;
}

function append(url: string, id: string, seq: number, body: string, epoch = 0) {
  return fetch(url, {
    method: "POST",
    headers: {
      ...text,
      "producer-id": id,
      "producer-epoch": String(epoch),
      "producer-seq": String(seq),
    },
    body,
  });
}

describe("producer state bounds", () => {
  const cleanups = testCleanups();

  async function server(options: ServerOptions = {}): Promise<RunningServer> {
    const running = await startTestServer({ dataDir: cleanups.tempDir(), ...options });
    cleanups.defer(() => running.close());
    return running;
  }

  async function created(s: RunningServer, path: string): Promise<string> {
    const url = streamUrl(s, path);
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    return url;
  }

  test("a Producer-Id over 256 UTF-8 bytes is refused with 400 PRODUCER_ID_TOO_LONG, nothing stored", async () => {
    const s = await server();
    const url = await created(s, "ids");
    for (const id of ["p".repeat(257), "é".repeat(129)]) {
      const res = await append(url, id, 0, "x");
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: { code: "PRODUCER_ID_TOO_LONG", message: expect.stringContaining("256 bytes") },
      });
    }
    expect(await (await fetch(url)).text()).toBe("");
    expect(producerRows(s)).toBe(0);
    expect((await append(url, "é".repeat(128), 0, "ok")).status).toBe(200);
    expect(await (await fetch(url)).text()).toBe("ok");
  });

  test("many distinct producers: memory holds at most the cache, an evicted one still deduplicates", async () => {
    const s = await server({ storage: { producerCacheSize: 50 } });
    const url = await created(s, "many");
    const ids = Array.from({ length: 500 }, (_, i) => `producer-${i}`);
    for (let i = 0; i < ids.length; i += 50) {
      const statuses = await Promise.all(ids.slice(i, i + 50).map((id) => append(url, id, 0, ".")));
      expect(statuses.map((r) => r.status)).toEqual(Array(50).fill(200));
    }
    expect(producerRows(s)).toBe(500);
    expect((s.store as SqliteStore).cachedProducers).toBeLessThanOrEqual(50);
    // producer-0 was evicted long ago: its retry is still a duplicate, read from the table.
    const retry = await append(url, "producer-0", 0, ".");
    expect(retry.status).toBe(204);
    expect((await append(url, "producer-0", 2, ".")).status).toBe(409);
    expect((await append(url, "producer-0", 1, "!")).status).toBe(200);
    expect(await (await fetch(url)).text()).toBe(`${".".repeat(500)}!`);
    expect((s.store as SqliteStore).cachedProducers).toBeLessThanOrEqual(50);
  });

  test("a producer idle past --producer-ttl is treated as new, and the sweep deletes its row", async () => {
    let now = Date.now();
    const s = await server({
      producerTtlSeconds: 60,
      clock: { now: () => now },
      sweepIntervalMs: 3_600_000,
    });
    const url = await created(s, "idle");
    expect((await append(url, "p", 0, "a")).status).toBe(200);
    expect((await append(url, "p", 1, "b")).status).toBe(200);
    expect((await append(url, "q", 0, "c")).status).toBe(200);
    now += 59_000;
    // Still known just before the expiry: a retry is a duplicate.
    expect((await append(url, "q", 0, "c")).status).toBe(204);
    now += 1_000;
    // Idle 60 s: a new producer, whose first append must be seq 0 again.
    const gap = await append(url, "p", 2, "x");
    expect(gap.status).toBe(409);
    expect(gap.headers.get("producer-expected-seq")).toBe("0");
    await s.engine.sweepExpired();
    // p and q both last appended 60 s ago (q's duplicate wrote nothing).
    expect(producerRows(s)).toBe(0);
    expect((await append(url, "p", 0, "d")).status).toBe(200);
    expect(await (await fetch(url)).text()).toBe("abcd");
  });

  test("with --memory, the sweep drops the state of a producer idle past --producer-ttl from memory", async () => {
    let now = Date.now();
    const s = await server({
      memory: true,
      producerTtlSeconds: 60,
      clock: { now: () => now },
      sweepIntervalMs: 3_600_000,
    });
    const store = s.store as MemoryStore;
    expect(store).toBeInstanceOf(MemoryStore);
    const url = await created(s, "idle");
    for (let i = 0; i < 20; i++) expect((await append(url, `old-${i}`, 0, ".")).status).toBe(200);
    now += 30_000;
    expect((await append(url, "recent", 0, "r")).status).toBe(200);
    expect(store.producerStates()).toBe(21);
    now += 30_000;
    await s.engine.sweepExpired();
    // The 20 idle for 60 s are gone from memory; the one idle for 30 s stays and deduplicates.
    expect(store.producerStates()).toBe(1);
    expect((await append(url, "recent", 0, "r")).status).toBe(204);
    expect((await append(url, "old-0", 0, "!")).status).toBe(200);
    expect(await (await fetch(url)).text()).toBe(`${".".repeat(20)}r!`);
  });
});
