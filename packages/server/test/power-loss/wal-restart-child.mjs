// Run under strace by wal-restart.test.ts: drives the real SqliteStore (built,
// dist/) and its real checkpoint worker through the sequence of issue 17, then
// dies without closing. Prints one JSON line with what it acknowledged.
//
//   node wal-restart-child.mjs <dataDir> <snapshotDir>

import { copyFileSync, readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { DATABASE_FILE, SqliteStore } from "../../dist/index.js";
import { Checkpointer } from "../../dist/sqlite/commit/checkpointer.js";

const [dataDir, snapshotDir] = process.argv.slice(2);
const file = join(dataDir, DATABASE_FILE);
const STREAMS = 40;
const GROUPS = 20;

// A first start creates the schema and a clean shutdown checkpoints it: the
// WAL of the second start holds only the stream data below.
await new SqliteStore({ dataDir }).close();
// No checkpoint of the store's own until the test asks for one.
const store = new SqliteStore({ dataDir, checkpointBytes: 1024 * 1024 * 1024 });
const now = Date.now();
const records = Array.from({ length: STREAMS }, (_, i) =>
  store.create({
    path: `s/${i}`,
    contentType: "text/plain",
    ttlSeconds: null,
    expiresAt: null,
    now,
    initialData: null,
    closed: false,
    fork: null,
  }),
);
await Promise.all(records.map((record) => record.durable));

const line = (stream, group) => `s${stream}-g${group};`;
const append = (record, data) =>
  store.append(record, {
    data: Buffer.from(data),
    close: false,
    producer: null,
    streamSeq: null,
    now,
  });
// 20 acknowledged groups of 40 appends: each group rewrites the stream rows'
// pages, so the WAL holds many versions of the same pages.
for (let group = 0; group < GROUPS; group++) {
  await Promise.all(records.map((record, i) => append(record, line(i, group))));
}

// The store's background checkpoint, on its worker: copy everything. (The
// worker is unref'd: the timer keeps this process alive meanwhile.)
const keepAlive = setInterval(() => {}, 1000);
const checkpointed = await new Promise((resolve, reject) => {
  const checkpointer = new Checkpointer(
    file,
    (result) => checkpointer.close().then(() => resolve(result)),
    reject,
  );
  checkpointer.request();
});
clearInterval(keepAlive);
if (checkpointed.log === 0 || checkpointed.log !== checkpointed.checkpointed) {
  throw new Error(`checkpoint incomplete: ${JSON.stringify(checkpointed)}`);
}
// wal-index: mxFrame at 16, nBackfill at 96 (native order): all frames backfilled.
const shm = readFileSync(`${file}-shm`);
const u32 = (at) => (endianness() === "LE" ? shm.readUInt32LE(at) : shm.readUInt32BE(at));
if (u32(16) !== u32(96)) throw new Error("WAL not fully backfilled");
copyFileSync(`${file}-wal`, join(snapshotDir, "old-wal"));

// The next write restarts the WAL from its beginning over the old frames.
// It is never acknowledged to anyone: the crash comes before its sync ends.
await append(records[0], "x".repeat(2 * 1024 * 1024));
copyFileSync(`${file}-wal`, join(snapshotDir, "new-wal"));
copyFileSync(file, join(snapshotDir, "db"));
process.stdout.write(`${JSON.stringify({ streams: STREAMS, groups: GROUPS, checkpointed })}\n`);
process.kill(process.pid, "SIGKILL");
