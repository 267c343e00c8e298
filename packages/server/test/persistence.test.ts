/** Restart persistence: what a server acknowledged is there, byte-exact, after a clean restart. */

import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE, type SqliteStore } from "../src/index.js";
import { readAll, startTestServer, streamUrl, testCleanups } from "./helpers.js";

describe("restart persistence (SQLite)", () => {
  const cleanups = testCleanups();

  test("streams, data, closure, Stream-Seq and producer state survive a restart", async () => {
    const dir = cleanups.tempDir();
    const binary = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);

    let server = await startTestServer({ dataDir: dir });
    const bin = streamUrl(server, "persist/binary");
    const json = streamUrl(server, "persist/json");
    const closed = streamUrl(server, "persist/closed");
    expect(
      (
        await fetch(bin, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream" },
          body: binary.subarray(0, 1000),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await fetch(bin, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: binary.subarray(1000),
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await fetch(json, {
          method: "PUT",
          headers: { "content-type": "application/json", "stream-ttl": "3600" },
        })
      ).status,
    ).toBe(201);
    const producer = {
      "content-type": "application/json",
      "producer-id": "p1",
      "producer-epoch": "2",
    };
    expect(
      (
        await fetch(json, {
          method: "POST",
          headers: { ...producer, "producer-seq": "0", "stream-seq": "a" },
          body: '[{"n":1},{"n":2}]',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await fetch(json, {
          method: "POST",
          headers: { ...producer, "producer-seq": "1", "stream-seq": "b" },
          body: '{"n":3}',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await fetch(closed, {
          method: "PUT",
          headers: { "content-type": "text/plain", "stream-closed": "true" },
          body: "final words",
        })
      ).status,
    ).toBe(201);
    const jsonTail = (await fetch(json, { method: "HEAD" })).headers.get("stream-next-offset");
    await server.close();

    server = await startTestServer({ dataDir: dir });
    try {
      const again = (p: string) => streamUrl(server, p);
      expect(
        Buffer.from((await readAll(again("persist/binary"))).body).equals(Buffer.from(binary)),
      ).toBe(true);

      const jsonRead = await fetch(`${again("persist/json")}?offset=-1`);
      expect(await jsonRead.json()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const head = await fetch(again("persist/json"), { method: "HEAD" });
      expect(head.headers.get("stream-next-offset")).toBe(jsonTail);
      expect(head.headers.get("stream-ttl")).toBe("3600");

      // Producer state survived: a retry is a duplicate, the next seq is accepted, a stale epoch is fenced.
      const dup = await fetch(again("persist/json"), {
        method: "POST",
        headers: { ...producer, "producer-seq": "1" },
        body: '{"n":3}',
      });
      expect(dup.status).toBe(204);
      const stale = await fetch(again("persist/json"), {
        method: "POST",
        headers: { ...producer, "producer-epoch": "1", "producer-seq": "0" },
        body: "{}",
      });
      expect(stale.status).toBe(403);
      expect(stale.headers.get("producer-epoch")).toBe("2");
      // Stream-Seq survived: a regression is refused.
      const seq = await fetch(again("persist/json"), {
        method: "POST",
        headers: { "content-type": "application/json", "stream-seq": "b" },
        body: "{}",
      });
      expect(seq.status).toBe(409);

      const closedRead = await fetch(`${again("persist/closed")}?offset=-1`);
      expect(await closedRead.text()).toBe("final words");
      expect(closedRead.headers.get("stream-closed")).toBe("true");
      const refused = await fetch(again("persist/closed"), {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "more",
      });
      expect(refused.status).toBe(409);
    } finally {
      await server.close();
    }
  });

  test("appends move a TTL stream's stored expiry; plain streams keep their tail and no expiry", async () => {
    const dir = cleanups.tempDir();
    const server = await startTestServer({ dataDir: dir });
    const text = { "content-type": "text/plain" };
    const ttl = streamUrl(server, "persist/ttl");
    const plain = streamUrl(server, "persist/plain");
    await fetch(ttl, { method: "PUT", headers: { ...text, "stream-ttl": "3600" } });
    await fetch(plain, { method: "PUT", headers: text });
    const rowOf = (path: string) => {
      const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
      try {
        return db
          .prepare("SELECT tail, last_access_at, expiry_due FROM streams WHERE path = ?")
          .get(path) as { tail: number; last_access_at: number; expiry_due: number | null };
      } finally {
        db.close();
      }
    };
    const created = rowOf("persist/ttl");
    await new Promise((resolve) => setTimeout(resolve, 20));
    try {
      expect((await fetch(ttl, { method: "POST", headers: text, body: "abc" })).status).toBe(204);
      expect((await fetch(plain, { method: "POST", headers: text, body: "abcd" })).status).toBe(
        204,
      );
    } finally {
      await server.close();
    }
    // The sliding TTL counts from the append, in the stored row too.
    const appended = rowOf("persist/ttl");
    expect(appended.last_access_at).toBeGreaterThan(created.last_access_at);
    expect(appended.expiry_due).toBe(appended.last_access_at + 3_600_000);
    expect(appended.tail).toBe(3);
    const plainRow = rowOf("persist/plain");
    expect(plainRow.tail).toBe(4);
    expect(plainRow.expiry_due).toBeNull();
  });

  test("a deleted stream stays deleted after a restart", async () => {
    const dir = cleanups.tempDir();
    let server = await startTestServer({ dataDir: dir });
    const url = streamUrl(server, "gone");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
    expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
    await server.close();
    server = await startTestServer({ dataDir: dir });
    try {
      expect((await fetch(streamUrl(server, "gone"), { method: "HEAD" })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test("a database of schema version 1 is upgraded in place and keeps its data", async () => {
    const dir = cleanups.tempDir();
    let server = await startTestServer({ dataDir: dir });
    const url = streamUrl(server, "upgrade/json");
    await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1,2]",
    });
    await server.close();
    // Turn the file back into what version 1 wrote.
    const db = new Database(join(dir, DATABASE_FILE));
    db.exec(`
      DROP INDEX streams_fork_source;
      DROP INDEX producers_updated_at;
      ALTER TABLE producers DROP COLUMN updated_at;
      ALTER TABLE streams DROP COLUMN earliest;
      ALTER TABLE streams DROP COLUMN retention_max_bytes;
      ALTER TABLE streams DROP COLUMN retention_max_age;
      ALTER TABLE chunks DROP COLUMN written_at;
      ALTER TABLE chunks DROP COLUMN ends;
      PRAGMA user_version = 1;
    `);
    db.close();

    server = await startTestServer({ dataDir: dir });
    try {
      const again = streamUrl(server, "upgrade/json");
      await fetch(again, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "[3]",
      });
      expect(await (await fetch(`${again}?offset=-1`)).json()).toEqual([1, 2, 3]);
      const fork = await fetch(streamUrl(server, "upgrade/fork"), {
        method: "PUT",
        headers: {
          "content-type": "application/json",
          "stream-forked-from": "/v1/stream/upgrade/json",
          "stream-fork-offset": "0000000000000000_0000000000000000",
          "stream-fork-sub-offset": "1",
        },
      });
      expect(fork.status).toBe(201);
      expect(await (await fetch(`${streamUrl(server, "upgrade/fork")}?offset=-1`)).json()).toEqual([
        1,
      ]);
    } finally {
      await server.close();
    }
  });

  test("checkpoints follow the pages written, not the payload: many creates without data", async () => {
    const dir = cleanups.tempDir();
    // 6,000 empty streams carry almost no payload, but each group of creates
    // rewrites table and index pages: megabytes of WAL frames.
    const server = await startTestServer({
      dataDir: dir,
      storage: { checkpointBytes: 2 * 1024 * 1024 },
    });
    cleanups.defer(() => server.close());
    const databaseSize = () => statSync(join(dir, DATABASE_FILE)).size;
    const before = databaseSize();
    const paths = Array.from({ length: 6000 }, (_, i) => `many/${i}`);
    for (let i = 0; i < paths.length; i += 50) {
      await Promise.all(
        paths.slice(i, i + 50).map(async (path) => {
          const response = await fetch(streamUrl(server, path), {
            method: "PUT",
            headers: { "content-type": "application/json" },
          });
          expect(response.status).toBe(201);
        }),
      );
    }
    // A background checkpoint copies the pages into the database file.
    for (let waited = 0; databaseSize() < before + 128 * 1024; waited += 20) {
      expect(waited).toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  test("checkpoints resume after the idle release stopped their worker", async () => {
    const dir = cleanups.tempDir();
    let server = await startTestServer({
      dataDir: dir,
      idleReleaseMs: 100,
      storage: { checkpointBytes: 256 * 1024 },
    });
    const url = streamUrl(server, "idle/bytes");
    await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const block = (i: number) => new Uint8Array(64 * 1024).fill(i);
    const databaseSize = () => statSync(join(dir, DATABASE_FILE)).size;
    const burst = async (from: number) => {
      for (let i = from; i < from + 16; i++) {
        await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: block(i),
        });
      }
    };
    const waitForDatabase = async (bytes: number) => {
      for (let waited = 0; databaseSize() < bytes; waited += 20) {
        expect(waited).toBeLessThan(10_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await burst(0);
    await waitForDatabase(512 * 1024);
    // Idle: the server releases memory, stopping the checkpoint worker. The
    // release after the burst may have come already while the checkpoint ran
    // (it comes once per quiet spell): one more request starts a spell whose
    // release the test observes.
    const store = server.store as SqliteStore;
    const release = store.releaseMemory.bind(store);
    const released = new Promise<void>((resolve) => {
      store.releaseMemory = () => {
        release();
        resolve();
      };
    });
    expect((await fetch(url, { method: "HEAD" })).status).toBe(200);
    await released;
    await burst(16);
    await waitForDatabase(1536 * 1024); // a new worker copied the second burst
    await server.close();
    server = await startTestServer({ dataDir: dir });
    try {
      const { body } = await readAll(streamUrl(server, "idle/bytes"));
      expect(body.length).toBe(32 * 64 * 1024);
      expect(Array.from({ length: 32 }, (_, i) => body[i * 64 * 1024])).toEqual(
        Array.from({ length: 32 }, (_, i) => i),
      );
    } finally {
      await server.close();
    }
  });
});
