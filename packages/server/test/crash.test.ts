/**
 * Crash safety: `kill -9` during write loops. Every append the server
 * acknowledged is present afterwards, exactly once and in order; group
 * commit loses only unacknowledged appends; idempotent producers resume
 * with their state intact; the database passes `PRAGMA integrity_check`.
 */

import { spawn } from "node:child_process";
import { statSync, unwatchFile, watchFile, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { seededRandom } from "../../../test-support/seeded-random.js";
import { DATABASE_FILE } from "../src/index.js";
import { type ChildServer, readAll, spawnServer, testCleanups } from "./helpers.js";
import { runKillCycles } from "./kill-cycles.js";

/** WAL bytes that trigger a background checkpoint in the checkpoint test (default 64 MiB). */
const CHECKPOINT_BYTES = 2 * 1024 * 1024;
/** Database file size at which that test kills the server: about three checkpoints copied. */
const KILL_AT_BYTES = 3 * CHECKPOINT_BYTES;
const SERVER_ENTRY = new URL("../dist/index.js", import.meta.url).href;

/**
 * The built server in a child process (so it can be killed), started through
 * `startServer` to set a checkpoint trigger the binary has no flag for: the
 * test then forces background checkpoints with megabytes rather than the
 * 64 MiB default. The restart uses the binary.
 */
function spawnWithSmallCheckpoints(dataDir: string, scriptDir: string): Promise<ChildServer> {
  // A file, not `--input-type=module -e`: workers inherit that flag, and the checkpointer's
  // CommonJS worker then fails to start (checkpoints would silently never run).
  const entry = join(scriptDir, "server.mjs");
  const script = [
    `import { startServer } from ${JSON.stringify(SERVER_ENTRY)};`,
    `const server = await startServer({ port: 0, host: "127.0.0.1", dataDir: ${JSON.stringify(dataDir)},`,
    `  storage: { checkpointBytes: ${CHECKPOINT_BYTES} } });`,
    `process.stdout.write(JSON.stringify({ url: server.url }) + "\\n");`,
  ].join("\n");
  writeFileSync(entry, script);
  const child = spawn(process.execPath, [entry], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      output += text;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) resolve({ url: match[1]!, process: child, exited });
    });
    child.once("exit", () => reject(new Error(`server exited before listening:\n${output}`)));
  });
}

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
    const server = await spawnWithSmallCheckpoints(dir, cleanups.tempDir());
    cleanups.defer(() => void server.process.kill("SIGKILL")); // if a check fails before the kill
    const writers = 8;
    const urls = Array.from({ length: writers }, (_, i) => `${server.url}/v1/stream/ckpt/${i}`);
    for (const url of urls) {
      await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    }
    // 64 KiB appends: a checkpoint is due every 32 of them.
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
    // Kill as the database file grows past a few checkpoints' worth (only a checkpoint writes
    // it): one is copying WAL pages or has just done so, while the writers keep appending.
    await new Promise<void>((resolve) => {
      const check = () => (statSync(databaseFile).size >= KILL_AT_BYTES ? resolve() : watch());
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
    // Bounded by the work (about 8 MiB of appends), not by a deadline this machine must beat.
  }, 120_000);

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
