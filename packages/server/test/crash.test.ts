/**
 * Crash safety: `kill -9` during write loops. Every append the server
 * acknowledged is present afterwards, exactly once and in order; group
 * commit loses only unacknowledged appends; idempotent producers resume
 * with their state intact; the database passes `PRAGMA integrity_check`.
 */

import { statSync, unwatchFile, watchFile } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { seededRandom } from "../../../test-support/seeded-random.js";
import { DATABASE_FILE } from "../src/index.js";
import { readAll, spawnServer, testCleanups } from "./helpers.js";
import { runKillCycles } from "./kill-cycles.js";

describe("kill -9 during writes", () => {
  const cleanups = testCleanups();

  test("20 seeded kills under concurrent appends and pipelined idempotent producers", async () => {
    const counts = await runKillCycles({
      dataDir: cleanups.tempDir(),
      kills: 20,
      random: seededRandom(4242),
      writers: 4,
      producers: 2,
      window: 4,
    });
    process.stdout.write(`crash cycles: ${JSON.stringify(counts)}\n`);
    expect(counts.kills).toBe(20);
    expect(counts.acknowledged.plain).toBeGreaterThan(0);
    expect(counts.acknowledged.producer).toBeGreaterThan(0);
    expect(counts.retriesDeduplicated).toBeGreaterThan(0);
  }, 240_000);

  test("acknowledged appends survive a kill during background checkpoints", async () => {
    const dir = cleanups.tempDir();
    const server = await spawnServer(["--data-dir", dir]);
    const writers = 8;
    const urls = Array.from({ length: writers }, (_, i) => `${server.url}/v1/stream/ckpt/${i}`);
    for (const url of urls) {
      await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    }
    // 64 KiB appends: the 64 MiB checkpoint trigger is crossed within seconds.
    const block = (w: number, i: number) => new Uint8Array(64 * 1024).fill((w * 31 + i) % 251);
    const acknowledged = urls.map(() => 0);
    let killed = false;
    const loops = urls.map(async (url, w) => {
      for (let i = 0; !killed; i++) {
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/octet-stream" },
            body: block(w, i),
          });
          if (res.status === 204) acknowledged[w] = i + 1;
        } catch {
          return;
        }
      }
    });
    const databaseFile = join(dir, DATABASE_FILE);
    // Kill once the database file itself holds data copied by a checkpoint.
    await new Promise<void>((resolve) => {
      const check = () => (statSync(databaseFile).size >= 24 * 1024 * 1024 ? resolve() : watch());
      const watch = () =>
        watchFile(databaseFile, { interval: 50 }, function changed() {
          unwatchFile(databaseFile, changed);
          check();
        });
      check();
    });
    killed = true;
    server.process.kill("SIGKILL");
    await server.exited;
    await Promise.all(loops);

    const restarted = await spawnServer(["--data-dir", dir]);
    try {
      for (let w = 0; w < writers; w++) {
        const { body } = await readAll(`${restarted.url}/v1/stream/ckpt/${w}`);
        const blocks = Math.floor(body.length / (64 * 1024));
        expect(blocks).toBeGreaterThanOrEqual(acknowledged[w]!);
        expect(blocks).toBeLessThanOrEqual(acknowledged[w]! + 1);
        const mismatched = Array.from({ length: blocks }, (_, i) => i).filter((i) => {
          const at = i * 64 * 1024;
          return !Buffer.from(block(w, i)).equals(body.subarray(at, at + 64 * 1024));
        });
        expect(mismatched).toEqual([]);
      }
    } finally {
      restarted.process.kill("SIGTERM");
      await restarted.exited;
    }
  });

  test("idempotent producer state is committed with its data: no duplicate after a crash", async () => {
    const dir = cleanups.tempDir();
    const server = await spawnServer(["--data-dir", dir]);
    const url = `${server.url}/v1/stream/crash-producer`;
    await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
    const headers = {
      "content-type": "application/json",
      "producer-id": "p",
      "producer-epoch": "0",
    };
    let acked = -1;
    for (let seq = 0; seq < 50; seq++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { ...headers, "producer-seq": String(seq) },
        body: JSON.stringify({ seq }),
      });
      expect(res.status).toBe(200);
      acked = seq;
    }
    server.process.kill("SIGKILL");
    await server.exited;

    const restarted = await spawnServer(["--data-dir", dir]);
    try {
      const again = `${restarted.url}/v1/stream/crash-producer`;
      // The producer retries its last request, as a client would after losing the connection.
      const retry = await fetch(again, {
        method: "POST",
        headers: { ...headers, "producer-seq": String(acked) },
        body: JSON.stringify({ seq: acked }),
      });
      expect(retry.status).toBe(204);
      const messages = (await (await fetch(`${again}?offset=-1`)).json()) as Array<{ seq: number }>;
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    } finally {
      restarted.process.kill("SIGTERM");
      await restarted.exited;
    }
  });
});
