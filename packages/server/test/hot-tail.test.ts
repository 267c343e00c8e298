/**
 * Reads served from the in-memory hot tail must be byte-identical to reads
 * from SQLite. A tiny cache (so eviction, per-stream trimming and restarts of
 * the cached run all happen) under concurrent writers that share commits,
 * with catch-up readers at arbitrary offsets and long-poll tailers.
 */

import { describe, expect, test } from "vitest";
import type { RunningServer } from "../src/index.js";
import { readAll, startTestServer, streamUrl, testCleanups } from "./helpers.js";

const STREAMS = 12;
const APPENDS = 60;

function message(stream: number, i: number): string {
  // Lengths vary so chunk boundaries never line up with the cache's.
  return `s${stream}:${i}:${"x".repeat((stream * 7 + i * 13) % 97)};`;
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
          expect(got).toBe(expected[s]!.slice(from, from + got.length));
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
});
