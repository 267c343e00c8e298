/**
 * Crash safety: `kill -9` during write loops. Every append the server
 * acknowledged is present afterwards, in order; group commit loses only
 * unacknowledged appends.
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE } from "../src/index.js";
import { readAll, spawnServer, testCleanups } from "./helpers.js";

describe("kill -9 during writes", () => {
  const cleanups = testCleanups();

  test("every acknowledged append survives, across concurrent writers sharing commits", async () => {
    const dir = cleanups.tempDir();
    const server = await spawnServer(["--data-dir", dir]);
    const writers = 16;
    const urls = Array.from({ length: writers }, (_, i) => `${server.url}/v1/stream/crash/${i}`);
    for (const url of urls) {
      expect(
        (await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } })).status,
      ).toBe(201);
    }
    const acknowledged: string[][] = urls.map(() => []);
    let killed = false;
    const loops = urls.map(async (url, w) => {
      for (let i = 0; !killed && i < 100_000; i++) {
        const line = `w${w}-${i};`;
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "text/plain" },
            body: line,
          });
          if (res.status === 204) acknowledged[w]!.push(line);
        } catch {
          return; // connection died with the server: not acknowledged
        }
      }
    });
    // Let the writers get well into it, then kill without warning.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    killed = true;
    server.process.kill("SIGKILL");
    await server.exited;
    await Promise.all(loops);
    const total = acknowledged.reduce((n, a) => n + a.length, 0);
    expect(total).toBeGreaterThan(100);

    const restarted = await spawnServer(["--data-dir", dir]);
    try {
      for (let w = 0; w < writers; w++) {
        const { body } = await readAll(`${restarted.url}/v1/stream/crash/${w}`);
        const stored = new TextDecoder().decode(body);
        const expected = acknowledged[w]!.join("");
        // All acknowledged appends, in order, at the front; at most the unacknowledged
        // in-flight append after them.
        expect(stored.startsWith(expected)).toBe(true);
        expect(stored.length - expected.length).toBeLessThanOrEqual(`w${w}-100000;`.length);
      }
    } finally {
      restarted.process.kill("SIGTERM");
      await restarted.exited;
    }
  });

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
    for (let waited = 0; statSync(databaseFile).size < 24 * 1024 * 1024; waited += 50) {
      expect(waited).toBeLessThan(20_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
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
