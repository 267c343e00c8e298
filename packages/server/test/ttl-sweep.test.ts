/**
 * TTL and Expires-At on the Node server over SQLite: the server's own sweep
 * removes an expired stream's rows (stream, chunks, producers) from the
 * database file; expiry holds across a restart (and a TTL refreshed by a
 * read before it); an expired fork source stays stored, soft-deleted, while
 * its fork reads through it, and goes with its last fork. A controllable
 * clock stands in for waiting; only the wiring test waits on real time.
 */

import { join } from "node:path";
import type { Clock } from "@durastream/server-core";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE, type RunningServer } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

/** A clock the test moves by hand. */
class TestClock implements Clock {
  time = Date.now();
  now = () => this.time;
}

/** What the database file holds for the stream at `path`. */
interface StoredRows {
  /** The `streams` row, or undefined once it is removed. */
  readonly stream: { id: number; soft_deleted: number } | undefined;
  readonly chunks: number;
  readonly producers: number;
}

/** Reads the rows of `path` from the database in `dataDir` (a reader beside the server). */
function storedRows(dataDir: string, path: string, id?: number): StoredRows {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const stream = db.prepare("SELECT id, soft_deleted FROM streams WHERE path = ?").get(path) as
      | { id: number; soft_deleted: number }
      | undefined;
    const streamId = stream?.id ?? id ?? -1;
    const count = (table: string) =>
      (
        db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE stream_id = ?`).get(streamId) as {
          n: number;
        }
      ).n;
    return { stream, chunks: count("chunks"), producers: count("producers") };
  } finally {
    db.close();
  }
}

const text = { "content-type": "text/plain" };

/** Creates `path` with `headers`, appends `data` as producer `p`, and returns its URL. */
async function createWithData(
  server: RunningServer,
  path: string,
  headers: Record<string, string>,
  data: string,
): Promise<string> {
  const url = streamUrl(server, path);
  expect((await fetch(url, { method: "PUT", headers: { ...text, ...headers } })).status).toBe(201);
  const appended = await fetch(url, {
    method: "POST",
    headers: { ...text, "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" },
    body: data,
  });
  expect(appended.status).toBe(200);
  return url;
}

describe("TTL sweep over SQLite", () => {
  const cleanups = testCleanups();

  async function start(
    dataDir: string,
    clock?: Clock,
    sweepIntervalMs = 3_600_000,
  ): Promise<RunningServer> {
    // By default an hour between periodic sweeps: a sweep in these tests is
    // one the test runs (or asks the server to run often).
    const server = await startTestServer({ dataDir, clock, sweepIntervalMs });
    cleanups.defer(() => server.close());
    return server;
  }

  test("the server's own sweep removes an expired stream's rows from the database", async () => {
    const dir = cleanups.tempDir();
    const server = await start(dir, undefined, 100);
    await createWithData(server, "short-lived", { "stream-ttl": "1" }, "gone soon");
    await createWithData(server, "kept", {}, "stays");
    const { id } = storedRows(dir, "short-lived").stream!;
    expect(storedRows(dir, "short-lived")).toMatchObject({ chunks: 1, producers: 1 });

    // Nothing reads the stream again: only the server's sweep can remove it.
    for (;;) {
      const rows = storedRows(dir, "short-lived", id);
      if (rows.stream === undefined) {
        expect(rows).toEqual({ stream: undefined, chunks: 0, producers: 0 });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await fetch(streamUrl(server, "short-lived"))).status).toBe(404);
    expect(storedRows(dir, "kept")).toMatchObject({ chunks: 1, producers: 1 });
    expect(await (await fetch(`${streamUrl(server, "kept")}?offset=-1`)).text()).toBe("stays");
  });

  test("an expired stream is refused at once, before any sweep; the access or the sweep removes its rows", async () => {
    const dir = cleanups.tempDir();
    const clock = new TestClock();
    const server = await start(dir, clock);
    const url = await createWithData(server, "accessed", { "stream-ttl": "60" }, "data");
    await createWithData(server, "untouched", { "stream-ttl": "60" }, "data");
    const accessed = storedRows(dir, "accessed").stream!.id;
    const untouched = storedRows(dir, "untouched").stream!.id;
    clock.time += 60_000;
    expect((await fetch(`${url}?offset=-1`)).status).toBe(404);
    expect((await fetch(url, { method: "POST", headers: text, body: "more" })).status).toBe(404);
    expect((await fetch(url, { method: "HEAD" })).status).toBe(404);
    // The reads above retired "accessed"; the sweep finds only "untouched".
    expect(await server.engine.sweepExpired()).toBe(1);
    expect((await fetch(streamUrl(server, "untouched"))).status).toBe(404);
    await server.close();
    const gone = { stream: undefined, chunks: 0, producers: 0 };
    expect(storedRows(dir, "accessed", accessed)).toEqual(gone);
    expect(storedRows(dir, "untouched", untouched)).toEqual(gone);
  });

  test("expiry holds across a restart; a read before it slid the TTL, and that was stored", async () => {
    const dir = cleanups.tempDir();
    const clock = new TestClock();
    const created = clock.time;
    let server = await start(dir, clock);
    await createWithData(server, "sliding", { "stream-ttl": "60" }, "slides");
    await createWithData(
      server,
      "absolute",
      { "stream-expires-at": new Date(created + 30_000).toISOString() },
      "fixed",
    );
    clock.time = created + 50_000;
    expect((await fetch(`${streamUrl(server, "sliding")}?offset=-1`)).status).toBe(200);
    await server.close();

    // Restarted 100 s after creation: the sliding TTL runs from the read at 50 s.
    clock.time = created + 100_000;
    server = await start(dir, clock);
    expect((await fetch(`${streamUrl(server, "absolute")}?offset=-1`)).status).toBe(404);
    const slid = await fetch(`${streamUrl(server, "sliding")}?offset=-1`);
    expect(slid.status).toBe(200);
    expect(await slid.text()).toBe("slides");
    await server.close();

    // The read after the first restart slid it again, to 160 s.
    clock.time = created + 160_000;
    server = await start(dir, clock);
    expect(await server.engine.sweepExpired()).toBe(1);
    expect((await fetch(`${streamUrl(server, "sliding")}?offset=-1`)).status).toBe(404);
    await server.close();
    expect(storedRows(dir, "sliding").stream).toBeUndefined();
    expect(storedRows(dir, "absolute").stream).toBeUndefined();
  });

  test("an expired fork source stays stored for its fork, across a restart, and goes with it", async () => {
    const dir = cleanups.tempDir();
    const clock = new TestClock();
    const created = clock.time;
    let server = await start(dir, clock);
    await createWithData(server, "source", { "stream-ttl": "10" }, "inherited;");
    const forkUrl = streamUrl(server, "fork");
    const forked = await fetch(forkUrl, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/source", "stream-ttl": "100" },
    });
    expect(forked.status).toBe(201);
    expect((await fetch(forkUrl, { method: "POST", headers: text, body: "own;" })).status).toBe(
      204,
    );
    const { id: sourceId } = storedRows(dir, "source").stream!;

    clock.time = created + 10_000;
    expect(await server.engine.sweepExpired()).toBe(1);
    // Soft-deleted: gone for its own URL (410), kept for the fork.
    expect((await fetch(`${streamUrl(server, "source")}?offset=-1`)).status).toBe(410);
    expect(storedRows(dir, "source")).toMatchObject({
      stream: { soft_deleted: 1 },
      chunks: 1,
    });
    await server.close();

    server = await start(dir, clock);
    expect((await fetch(`${streamUrl(server, "source")}?offset=-1`)).status).toBe(410);
    expect(await server.engine.sweepExpired()).toBe(0);
    const read = await fetch(`${streamUrl(server, "fork")}?offset=-1`);
    expect(await read.text()).toBe("inherited;own;");
    expect(storedRows(dir, "source").stream?.soft_deleted).toBe(1);

    expect((await fetch(streamUrl(server, "fork"), { method: "DELETE" })).status).toBe(204);
    await server.close();
    expect(storedRows(dir, "source", sourceId)).toEqual({
      stream: undefined,
      chunks: 0,
      producers: 0,
    });
  });

  test("deleting the last fork of an expired source removes the source, with no sweep", async () => {
    const dir = cleanups.tempDir();
    const clock = new TestClock();
    const server = await start(dir, clock);
    await createWithData(server, "src", { "stream-ttl": "10" }, "inherited;");
    const forkUrl = streamUrl(server, "its-fork");
    const forked = await fetch(forkUrl, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/src", "stream-ttl": "100" },
    });
    expect(forked.status).toBe(201);
    const { id } = storedRows(dir, "src").stream!;
    // The source expires; nothing sweeps it or reads it before its fork goes.
    clock.time += 10_000;
    expect((await fetch(forkUrl, { method: "DELETE" })).status).toBe(204);
    await server.close();
    expect(storedRows(dir, "src", id)).toEqual({ stream: undefined, chunks: 0, producers: 0 });
  });
});
