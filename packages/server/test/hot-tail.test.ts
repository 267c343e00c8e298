/**
 * Reads served from the in-memory hot tail must be byte-identical to reads
 * from SQLite. A tiny cache (so eviction, per-stream trimming and restarts of
 * the cached run all happen) under concurrent writers that share commits,
 * with catch-up readers at arbitrary offsets and long-poll tailers.
 */

import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import type { RunningServer } from "../src/index.js";
import { readAll, startTestServer, streamUrl, testCleanups } from "./helpers.js";

const STREAMS = 12;
const APPENDS = 60;

function message(stream: number, i: number): string {
  // Lengths vary so chunk boundaries never line up with the cache's.
  return `s${stream}:${i}:${"x".repeat((stream * 7 + i * 13) % 97)};`;
}

/** The byte offset of the start of the message of `stream` that holds byte `at`. */
function messageStart(stream: number, at: number): number {
  let start = 0;
  for (let i = 0; i < APPENDS; i++) {
    const end = start + message(stream, i).length;
    if (at < end) return start;
    start = end;
  }
  return start;
}

describe("hot tail cache", () => {
  const cleanups = testCleanups();

  test("catch-up and long-poll reads equal the appended bytes at every offset", async () => {
    const dir = cleanups.tempDir();
    const server: RunningServer = await startTestServer({
      dataDir: dir,
      storage: { tailCacheStreamBytes: 256, tailCacheBytes: 3072 },
    });
    cleanups.defer(() => server.close());
    const urls = Array.from({ length: STREAMS }, (_, s) => streamUrl(server, `hot/${s}`));
    for (const url of urls) {
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    }
    const expected = urls.map((_, s) =>
      Array.from({ length: APPENDS }, (_, i) => message(s, i)).join(""),
    );

    // A long-poll tailer per stream, following the tail as it moves.
    const tailed = urls.map(async (url, s) => {
      let offset = "-1";
      let text = "";
      while (text.length < expected[s]!.length) {
        const res = await fetch(`${url}?offset=${offset}&live=long-poll`);
        if (res.status === 200) text += await res.text();
        offset = res.headers.get("stream-next-offset") ?? offset;
      }
      return text;
    });

    // Writers: each stream's appends in order, all streams concurrently.
    const writes = urls.map(async (url, s) => {
      for (let i = 0; i < APPENDS; i++) {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: message(s, i),
        });
        expect(res.status).toBe(204);
        // Meanwhile, read from an arbitrary earlier offset and check the slice.
        if (i % 5 === 4) {
          const head = await fetch(url, { method: "HEAD" });
          const tail = head.headers.get("stream-next-offset")!;
          const end = Number(tail.split("_")[1]);
          const from = Math.floor((end * ((i * 37) % 100)) / 100);
          const offset = `${"0".repeat(16)}_${String(from).padStart(16, "0")}`;
          const read = await fetch(`${url}?offset=${offset}`);
          const got = await read.text();
          // An offset inside a message reads from that message's start
          // (docs/compliance.md), as the official server does.
          const start = messageStart(s, from);
          expect(got).toBe(expected[s]!.slice(start, start + got.length));
          expect(got.length).toBeGreaterThan(0);
        }
      }
    });
    await Promise.all(writes);
    expect(await Promise.all(tailed)).toEqual(expected);
    for (const [s, url] of urls.entries()) {
      expect(new TextDecoder().decode((await readAll(url)).body)).toBe(expected[s]);
    }
  });

  test("live reads at the tail never query SQLite; an old catch-up read does", async () => {
    const dir = cleanups.tempDir();
    const server = await startTestServer({ dataDir: dir, storage: { tailCacheStreamBytes: 1024 } });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "hot/live");
    const text = { "content-type": "text/plain" };
    await fetch(url, { method: "PUT", headers: text });
    // 4 KiB of history: more than the stream's share of the cache.
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { method: "POST", headers: text, body: "h".repeat(1024) });
      expect(res.status).toBe(204);
    }
    const tail = (await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")!;

    const reads = countChunkQueries();
    try {
      const longPolls = Array.from({ length: 3 }, () =>
        fetch(`${url}?offset=${tail}&live=long-poll`).then(async (res) => ({
          status: res.status,
          body: await res.text(),
        })),
      );
      const sse = await fetch(`${url}?offset=${tail}&live=sse`);
      const events = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
      // Every reader parked at the tail, then woken by one append.
      while (server.engine.liveReadCount < 4) await new Promise((r) => setImmediate(r));
      const appended = await fetch(url, { method: "POST", headers: text, body: "fresh" });
      expect(appended.status).toBe(204);
      for (const res of await Promise.all(longPolls))
        expect(res).toEqual({ status: 200, body: "fresh" });
      let received = "";
      while (!received.includes("fresh")) received += (await events.read()).value ?? "";
      await events.cancel();
      expect(reads.count).toBe(0);

      // The counter does see SQLite: history the cache no longer holds is read from it.
      const old = await fetch(`${url}?offset=-1`);
      expect((await old.text()).startsWith("hhhh")).toBe(true);
      expect(reads.count).toBeGreaterThan(0);
    } finally {
      reads.stop();
    }
  });

  test("a long-poll loop that fell one append behind resumes without querying SQLite", async () => {
    const server = await startTestServer({ dataDir: cleanups.tempDir() });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "hot/behind");
    const text = { "content-type": "text/plain" };
    await fetch(url, { method: "PUT", headers: text });
    await fetch(url, { method: "POST", headers: text, body: "first" });
    const given = (await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")!;
    // The next append lands while the reader is between two polls.
    await fetch(url, { method: "POST", headers: text, body: "second" });

    const reads = countChunkQueries();
    try {
      const res = await fetch(`${url}?offset=${given}&live=long-poll`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("second");
      // Where the read starts (an append boundary) is known from the hot tail.
      expect(reads.count).toBe(0);
    } finally {
      reads.stop();
    }
  });
});

/**
 * Counts executions of SQLite statements that read the `chunks` table, in
 * this process (better-sqlite3's statements share one prototype).
 */
function countChunkQueries(): { readonly count: number; stop(): void } {
  const scratch = new Database(":memory:");
  const statement = Object.getPrototypeOf(scratch.prepare("SELECT 1")) as Record<string, unknown>;
  scratch.close();
  const methods = ["get", "all", "iterate"] as const;
  const originals = methods.map((name) => statement[name] as (...args: unknown[]) => unknown);
  const counter = { count: 0 };
  methods.forEach((name, i) => {
    const original = originals[i]!;
    statement[name] = function (this: { source: string }, ...args: unknown[]) {
      if (/\bFROM chunks\b/.test(this.source)) counter.count++;
      return original.apply(this, args);
    };
  });
  return {
    get count() {
      return counter.count;
    },
    stop() {
      methods.forEach((name, i) => {
        statement[name] = originals[i];
      });
    },
  };
}
