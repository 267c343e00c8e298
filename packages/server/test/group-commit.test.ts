/**
 * Appends to one stream that arrive together are committed in one group
 * (and stored as one chunk): each must still get its own offset, read back
 * exactly where that offset says, before and after a restart, and every
 * producer's state must be committed with the data. The WAL sync is held
 * while the appends arrive, so they provably share a commit (the chunk rows
 * are counted): without group commit these tests fail rather than test
 * nothing.
 */

import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { afterTurns } from "../../../test-support/eventually.js";
import { DATABASE_FILE, type RunningServer, type SqliteStore } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";
import { SyncGate } from "./sync-gate.js";

/** Chunk rows stored for the stream at `path`, read from the database file. */
function chunkRows(dataDir: string, server: RunningServer, path: string): number {
  const record = (server.store as SqliteStore).get(path)!;
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const row = db
      .prepare("SELECT COUNT(*) AS n FROM chunks WHERE stream_id = ?")
      .get(record.id) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

describe("appends that share a commit", () => {
  const cleanups = testCleanups();

  test("concurrent appends to one stream each read back at their own offset", async () => {
    const dir = cleanups.tempDir();
    const gate = new SyncGate();
    let server = await startTestServer({ dataDir: dir, storage: { walSync: gate.walSync } });
    let url = streamUrl(server, "together");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    const record = (server.store as SqliteStore).get("together")!;
    const messages = Array.from({ length: 64 }, (_, i) => `message-${i}-${"y".repeat(i)}|`);
    const post = (body: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body });

    // The first append's sync is held; the other 63 arrive meanwhile and
    // form the next group: one transaction, one chunk.
    gate.hold();
    const first = post(messages[0]!);
    await gate.syncWaiting();
    const rest = messages.slice(1).map(post);
    await afterTurns(() => record.tail === messages.join("").length);
    gate.release();
    const responses = [await first, ...(await Promise.all(rest))];
    expect(responses.map((res) => res.status)).toEqual(messages.map(() => 204));
    expect(chunkRows(dir, server, "together")).toBe(2);

    const ends = responses.map((res) =>
      Number(res.headers.get("stream-next-offset")!.split("_")[1]),
    );
    const check = async () => {
      const whole = await (await fetch(`${url}?offset=-1`)).text();
      expect(whole.length).toBe(messages.join("").length);
      for (const [i, end] of ends.entries()) {
        const start = end - messages[i]!.length;
        expect(whole.slice(start, end)).toBe(messages[i]);
      }
      expect(new Set(ends).size).toBe(messages.length);
    };
    await check();
    // The 63 shared a chunk, yet each is its own data boundary for fork sub-offsets.
    const chunkStart = ends[0]!;
    const second = ends.indexOf(Math.min(...ends.slice(1)));
    const fork = (subOffset: number) =>
      fetch(streamUrl(server, `together-fork-${subOffset}`), {
        method: "PUT",
        headers: {
          "content-type": "text/plain",
          "stream-forked-from": "/v1/stream/together",
          "stream-fork-offset": `${"0".repeat(16)}_${String(chunkStart).padStart(16, "0")}`,
          "stream-fork-sub-offset": String(subOffset),
        },
      });
    const secondLength = messages[second]!.length;
    expect((await fork(secondLength)).status).toBe(201);
    expect((await fork(secondLength + 1)).status).toBe(400);
    await server.close();
    server = await startTestServer({ dataDir: dir });
    cleanups.defer(() => server.close());
    url = streamUrl(server, "together");
    await check();
  });

  test("producers whose appends share a commit keep their state through a restart", async () => {
    const dir = cleanups.tempDir();
    const gate = new SyncGate();
    let server = await startTestServer({ dataDir: dir, storage: { walSync: gate.walSync } });
    const path = "producers";
    await fetch(streamUrl(server, path), {
      method: "PUT",
      headers: { "content-type": "application/json" },
    });
    const record = (server.store as SqliteStore).get(path)!;
    const producers = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const send = (producer: string, seq: number) =>
      fetch(streamUrl(server, path), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "producer-id": producer,
          "producer-epoch": "3",
          "producer-seq": String(seq),
        },
        body: JSON.stringify({ producer, seq }),
      });
    const waves = 10;
    for (let seq = 0; seq < waves; seq++) {
      // A plain append of the same size as each producer's holds the sync;
      // the wave's eight requests meanwhile form one group, one chunk that
      // carries all eight producers' state.
      gate.hold();
      const before = record.tail;
      const blocker = fetch(streamUrl(server, path), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ producer: "z", seq }),
      });
      await gate.syncWaiting();
      const size = record.tail - before;
      const wave = producers.map((producer) => send(producer, seq));
      await afterTurns(() => record.tail === before + size * (1 + producers.length));
      gate.release();
      expect((await blocker).status).toBe(204);
      expect((await Promise.all(wave)).map((res) => res.status)).toEqual(producers.map(() => 200));
    }
    // One chunk per blocker and one per wave.
    expect(chunkRows(dir, server, path)).toBe(2 * waves);
    await server.close();

    server = await startTestServer({ dataDir: dir });
    cleanups.defer(() => server.close());
    for (const producer of producers) {
      const retry = await send(producer, waves - 1);
      expect(retry.status).toBe(204);
      expect(retry.headers.get("producer-seq")).toBe(String(waves - 1));
      const next = await send(producer, waves);
      expect(next.status).toBe(200);
    }
    const stored = (await (await fetch(`${streamUrl(server, path)}?offset=-1`)).json()) as Array<{
      producer: string;
      seq: number;
    }>;
    for (const producer of producers) {
      expect(stored.filter((m) => m.producer === producer).map((m) => m.seq)).toEqual(
        Array.from({ length: waves + 1 }, (_, i) => i),
      );
    }
  });
});
