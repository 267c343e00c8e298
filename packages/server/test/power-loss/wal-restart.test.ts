/**
 * Issue 17's crash image, built through the real store and its real
 * checkpoint worker: 20 acknowledged groups, a complete checkpoint, then a
 * large write that restarts the WAL from its beginning. The power is cut
 * just before that write's group sync: every byte written to the WAL since
 * its last sync may be old or new on disk. The image takes the adversarial
 * mix (the first 40 KiB old, the rest new) and must still hold every
 * acknowledged append.
 *
 * Which bytes were synced is read from the syscalls themselves (strace), so
 * the test needs no model of SQLite: with the WAL header written but not
 * synced (the store's old `synchronous=OFF`) the image replays a stale
 * prefix of checkpointed frames and loses the acknowledged appends.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE } from "../../src/index.js";
import { readAll, startTestServer, streamUrl, testCleanups } from "../helpers.js";
import { missingPrerequisite } from "./prerequisite.js";
import { parseStraceLog, STRACE_ARGS, unsyncedWrites } from "./strace-log.js";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "wal-restart-child.mjs");
const OLD_PREFIX = 40 * 1024;

function straceWorks(): boolean {
  const probe = spawnSync("strace", ["-f", "-qq", "-o", "/dev/null", "true"]);
  return probe.status === 0;
}

describe("power cut after a WAL restart (issue 17)", () => {
  const cleanups = testCleanups();

  test("the old WAL header cannot resurrect checkpointed frames over acknowledged data", async (ctx) => {
    if (!straceWorks()) missingPrerequisite(ctx, "strace is missing or cannot trace here");
    const root = cleanups.tempDir();
    const dataDir = join(root, "data");
    const snapshots = join(root, "snapshots");
    const image = join(root, "image");
    for (const dir of [dataDir, snapshots, image]) mkdirSync(dir);
    const trace = join(root, "trace");

    const child = spawn(
      "strace",
      [...STRACE_ARGS, "-o", trace, process.execPath, CHILD, dataDir, snapshots],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise((resolve) => child.once("exit", resolve));
    expect(stdout, stderr).toContain('"groups":20');
    const { streams, groups } = JSON.parse(stdout) as { streams: number; groups: number };

    const wal = join(dataDir, `${DATABASE_FILE}-wal`);
    const db = join(dataDir, DATABASE_FILE);
    const events = parseStraceLog(trace);
    // The crash comes just before the last sync of the WAL: the large write's group sync.
    let crashAt = -1;
    for (const [i, event] of events.entries()) {
      if (event.path === wal && event.kind === "sync") crashAt = i;
    }
    expect(crashAt).toBeGreaterThan(0);
    const beforeCrash = events.slice(0, crashAt);
    // The checkpoint synced the database file before the WAL could be reused.
    expect(unsyncedWrites(beforeCrash, db)).toEqual([]);
    const unsynced = unsyncedWrites(beforeCrash, wal);
    expect(unsynced.length).toBeGreaterThan(OLD_PREFIX / 4096);

    // The disk: the new WAL, except that in its first 40 KiB every byte not
    // yet synced is still the old one.
    const oldWal = readFileSync(join(snapshots, "old-wal"));
    const crashWal = Buffer.from(readFileSync(join(snapshots, "new-wal")));
    for (const { offset, length } of unsynced) {
      for (let at = offset; at < Math.min(offset + length, OLD_PREFIX); at++) {
        crashWal[at] = at < oldWal.length ? oldWal[at]! : 0;
      }
    }
    writeFileSync(join(image, DATABASE_FILE), readFileSync(join(snapshots, "db")));
    writeFileSync(join(image, `${DATABASE_FILE}-wal`), crashWal);

    const server = await startTestServer({ dataDir: image });
    cleanups.defer(() => server.close());
    for (let i = 0; i < streams; i++) {
      const { body } = await readAll(streamUrl(server, `s/${i}`));
      const stored = new TextDecoder().decode(body);
      const acknowledged = Array.from({ length: groups }, (_, g) => `s${i}-g${g};`).join("");
      // Every acknowledged append; only stream 0 may also hold the unacknowledged large one.
      expect(stored.slice(0, acknowledged.length)).toBe(acknowledged);
      expect([acknowledged.length, acknowledged.length + 2 * 1024 * 1024]).toContain(stored.length);
    }
    await server.close();
    const check = new Database(join(image, DATABASE_FILE), { readonly: true });
    expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    check.close();
  });
});
