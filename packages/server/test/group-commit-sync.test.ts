/**
 * The group commit's sync, injected (`storage.walSync`): an append is
 * acknowledged only once its group's sync completed; writes arriving during
 * a sync share the next one; a failed sync refuses the group and every later
 * write until a restart. Only the memory mode has nothing to sync.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { MemoryStore } from "@durastream/server-core";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { afterTurns } from "../../../test-support/eventually.js";
import { DATABASE_FILE, type RunningServer, SqliteStore } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";
import { SyncGate } from "./sync-gate.js";

const text = { "content-type": "text/plain" };

describe("group commit with an injected WAL sync", () => {
  const cleanups = testCleanups();

  async function serverWith(gate: SyncGate, dataDir = cleanups.tempDir()): Promise<RunningServer> {
    const server = await startTestServer({ dataDir, storage: { walSync: gate.walSync } });
    cleanups.defer(() => server.close());
    return server;
  }

  test("an append is not acknowledged while its group's sync is held, and is once released", async () => {
    const gate = new SyncGate();
    const server = await serverWith(gate);
    const url = streamUrl(server, "held");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);

    gate.hold();
    let acknowledged = false;
    const post = fetch(url, { method: "POST", headers: text, body: "one" }).then((res) => {
      acknowledged = true;
      return res;
    });
    await gate.syncWaiting();
    // The server answers others meanwhile, but neither the writer nor a reader sees the append.
    const read = await fetch(`${url}?offset=-1`);
    expect(await read.text()).toBe("");
    expect(acknowledged).toBe(false);

    gate.release();
    expect((await post).status).toBe(204);
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("one");
  });

  test("a producer retry is not acknowledged before the original append's sync completes", async () => {
    const gate = new SyncGate();
    const server = await serverWith(gate);
    const url = streamUrl(server, "retried");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    const producer = { "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" };
    const send = () =>
      fetch(url, { method: "POST", headers: { ...text, ...producer }, body: "once" });
    // The server's side of each POST, to see whether an answer was started.
    const answers: ServerResponse[] = [];
    server.http.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === "POST") answers.push(res);
    });

    gate.hold();
    cleanups.defer(() => gate.release()); // newest first: before the server closes, if a check fails
    let acknowledged = 0;
    const original = send().then((res) => {
      acknowledged++;
      return res;
    });
    await gate.syncWaiting();
    // The retry (a lost answer, say) is a duplicate of an append that is not on disk yet.
    const store = server.store;
    const getProducer = store.getProducer.bind(store);
    let decided = 0;
    store.getProducer = (record, producerId) => {
      decided++;
      return getProducer(record, producerId);
    };
    const retry = send().then((res) => {
      acknowledged++;
      return res;
    });
    await afterTurns(() => decided > 0); // the server looked the retry up: it is a duplicate
    await new Promise((resolve) => setImmediate(resolve)); // an answer not held would be out now
    expect(answers).toHaveLength(2);
    expect(answers.map((res) => res.headersSent)).toEqual([false, false]);
    expect(acknowledged).toBe(0);

    gate.release();
    expect((await original).status).toBe(200);
    const again = await retry;
    expect(again.status).toBe(204);
    expect(again.headers.get("producer-seq")).toBe("0");
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("once");
  });

  test("appends that arrive during a sync share the next group: one transaction, one sync", async () => {
    const gate = new SyncGate();
    const dataDir = cleanups.tempDir();
    const server = await serverWith(gate, dataDir);
    const url = streamUrl(server, "shared");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    const record = (server.store as SqliteStore).get("shared")!;

    gate.hold();
    const first = fetch(url, { method: "POST", headers: text, body: "first;" });
    await gate.syncWaiting();
    const syncsBefore = gate.calls;
    const bodies = Array.from({ length: 10 }, (_, i) => `m${i};`);
    const rest = bodies.map((body) => fetch(url, { method: "POST", headers: text, body }));
    // All ten reserved their place behind the held group.
    const total = "first;".length + bodies.join("").length;
    await afterTurns(() => record.tail === total);
    gate.release();
    expect((await first).status).toBe(204);
    expect((await Promise.all(rest)).map((res) => res.status)).toEqual(bodies.map(() => 204));

    expect(gate.calls - syncsBefore).toBe(1);
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    const chunks = db
      .prepare("SELECT COUNT(*) AS n FROM chunks WHERE stream_id = ?")
      .get(record.id) as { n: number };
    db.close();
    // One chunk for the first append, one for the ten that shared a group.
    expect(chunks.n).toBe(2);
  });

  test("a failed sync refuses its group and every later write until a restart", async () => {
    const gate = new SyncGate();
    const dataDir = cleanups.tempDir();
    let server = await serverWith(gate, dataDir);
    let url = streamUrl(server, "failing");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    expect((await fetch(url, { method: "POST", headers: text, body: "kept;" })).status).toBe(204);

    gate.failure = Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    const failed = await fetch(url, { method: "POST", headers: text, body: "lost;" });
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe(
      "STORAGE_UNAVAILABLE",
    );
    // The disk answers again, but nothing after a failed sync can be proven durable.
    gate.failure = null;
    const later = await fetch(url, { method: "POST", headers: text, body: "later;" });
    expect(later.status).toBe(503);
    expect((await fetch(streamUrl(server, "other"), { method: "PUT", headers: text })).status).toBe(
      503,
    );
    // Reads still serve what was acknowledged.
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("kept;");
    await server.close();

    server = await serverWith(new SyncGate(), dataDir);
    url = streamUrl(server, "failing");
    const stored = await (await fetch(`${url}?offset=-1`)).text();
    expect(stored.startsWith("kept;")).toBe(true);
    expect((await fetch(url, { method: "POST", headers: text, body: "again;" })).status).toBe(204);
  });

  test("every acknowledged group was synced; only the memory mode has no WAL to sync", async () => {
    const gate = new SyncGate();
    const server = await serverWith(gate);
    expect(server.store).toBeInstanceOf(SqliteStore);
    const url = streamUrl(server, "counted");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    const before = gate.calls;
    for (let i = 0; i < 5; i++) {
      expect((await fetch(url, { method: "POST", headers: text, body: `${i};` })).status).toBe(204);
    }
    // One append at a time: one group, one sync each.
    expect(gate.calls - before).toBe(5);

    const memory = await startTestServer({ memory: true });
    cleanups.defer(() => memory.close());
    expect(memory.store).toBeInstanceOf(MemoryStore);
    expect(memory.store).not.toBeInstanceOf(SqliteStore);
  });
});
