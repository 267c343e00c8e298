/**
 * Deep fork chains (forks of forks of …). Reads, deletes and expiry walk a
 * chain in a loop: a chain past the depth where nested calls overflowed the
 * stack (about 5,750) reads byte-exact before and after a restart, and
 * deleting or expiring it leaves no row. `--max-fork-depth` refuses a fork
 * past the cap, and nothing is created.
 */

import { describe, expect, test } from "vitest";
import type { RunningServer, ServerOptions, SqliteStore } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const DEPTH = 6_000;
const text = { "content-type": "text/plain" };

function rowCount(server: RunningServer): { streams: number; chunks: number } {
  const db = (server.store as SqliteStore).db;
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    streams: count("SELECT COUNT(*) AS n FROM streams"),
    chunks: count("SELECT COUNT(*) AS n FROM chunks"),
  };
}

/**
 * A PUT handed straight to the engine: the chain is built one fork after
 * the other (each needs its source), so 6,000 of them over HTTP would spend
 * the test's time on sockets; the same engine call serves HTTP requests.
 */
async function call(
  server: RunningServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
) {
  const bytes = body === undefined ? null : new TextEncoder().encode(body);
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const response = await server.engine.handle(
    {
      method,
      path,
      query: new URLSearchParams(),
      header: (name) => lower[name.toLowerCase()] ?? null,
      body:
        bytes === null
          ? null
          : (async function* () {
              yield bytes;
            })(),
      signal: new AbortController().signal,
    },
    streamUrl(server, path),
  );
  return response.status;
}

/** Creates `c0` and a chain `c1` … `c<depth>`, each adding `<i>,`; returns the leaf's content. */
async function buildChain(server: RunningServer, depth: number, ttl?: number): Promise<string> {
  const lifetime: Record<string, string> = ttl === undefined ? {} : { "stream-ttl": String(ttl) };
  expect(await call(server, "PUT", "c0", { ...text, ...lifetime }, "0,")).toBe(201);
  let expected = "0,";
  for (let i = 1; i <= depth; i++) {
    const status = await call(
      server,
      "PUT",
      `c${i}`,
      { ...text, "stream-forked-from": `/v1/stream/c${i - 1}` },
      `${i},`,
    );
    if (status !== 201) throw new Error(`fork ${i}: ${status}`);
    expected += `${i},`;
  }
  return expected;
}

describe("deep fork chains", () => {
  const cleanups = testCleanups();
  // Building the chain is what this test is about, not fsync: acknowledge each group at once.
  const noSync = { walSync: (_fd: number, done: (error: Error | null) => void) => done(null) };

  async function server(dataDir: string, options: ServerOptions = {}): Promise<RunningServer> {
    const running = await startTestServer({ dataDir, storage: noSync, ...options });
    cleanups.defer(() => running.close());
    return running;
  }

  test("a chain 6,000 deep reads byte-exact, survives a restart and deletes leaving no row", async () => {
    const dataDir = cleanups.tempDir();
    let s = await server(dataDir, { maxForkDepth: DEPTH });
    const expected = await buildChain(s, DEPTH);
    const leaf = streamUrl(s, `c${DEPTH}`);
    let res = await fetch(leaf);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(expected);
    // Reading from inside the chain (an offset a middle fork's read handed out).
    const middle = await fetch(streamUrl(s, "c3000"));
    const middleOffset = middle.headers.get("stream-next-offset")!;
    await middle.text();
    res = await fetch(`${leaf}?offset=${middleOffset}`);
    expect(await res.text()).toBe(expected.slice(expected.indexOf("3001,")));

    await s.close();
    s = await server(dataDir, { maxForkDepth: DEPTH });
    res = await fetch(streamUrl(s, `c${DEPTH}`));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(expected);

    // Every ancestor deleted (kept for its fork), then the leaf: the cascade removes them all.
    const ancestors = Array.from({ length: DEPTH }, (_, i) => `c${i}`);
    const statuses = await Promise.all(ancestors.map((path) => call(s, "DELETE", path)));
    expect(new Set(statuses)).toEqual(new Set([204]));
    expect(rowCount(s).streams).toBe(DEPTH + 1);
    res = await fetch(streamUrl(s, `c${DEPTH}`), { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(rowCount(s)).toEqual({ streams: 0, chunks: 0 });
    const listing = await fetch(`${s.url}/v1/stream/__ds/streams`);
    expect(await listing.json()).toMatchObject({ streams: [] });
  }, 120_000);

  test("an expired chain 6,000 deep is removed whole on access and by the sweep", async () => {
    let now = Date.now();
    const s = await server(cleanups.tempDir(), {
      maxForkDepth: DEPTH,
      clock: { now: () => now },
      sweepIntervalMs: 60_000,
    });
    const expected = await buildChain(s, DEPTH, 60);
    const res = await fetch(streamUrl(s, `c${DEPTH}`));
    expect(await res.text()).toBe(expected);
    now += 61_000;
    // Access finds the leaf expired and retires it with every expired ancestor.
    expect((await fetch(streamUrl(s, `c${DEPTH}`))).status).toBe(404);
    await s.engine.sweepExpired();
    expect(rowCount(s)).toEqual({ streams: 0, chunks: 0 });
  }, 120_000);

  test("a fork past --max-fork-depth is refused with 400 FORK_TOO_DEEP and nothing is created", async () => {
    const s = await server(cleanups.tempDir(), { maxForkDepth: 3 });
    await buildChain(s, 3);
    const before = rowCount(s);
    const res = await fetch(streamUrl(s, "c4"), {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/c3" },
      body: "4,",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: "FORK_TOO_DEEP", message: expect.stringContaining("3 forks deep") },
    });
    expect(rowCount(s)).toEqual(before);
    expect((await fetch(streamUrl(s, "c4"))).status).toBe(404);
    // The source's fork count is unchanged: deleting the leaf then the chain leaves no row.
    for (let i = 3; i >= 0; i--) {
      expect((await fetch(streamUrl(s, `c${i}`), { method: "DELETE" })).status).toBe(204);
    }
    expect(rowCount(s)).toEqual({ streams: 0, chunks: 0 });
  });
});
