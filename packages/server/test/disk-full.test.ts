/**
 * A full disk (issue 11, finding 5), on a real one: the data directory on a
 * small tmpfs, filled up by another file; and, where nothing can be mounted
 * as well, SQLite's own SQLITE_FULL from a page limit (`max_page_count`). Writes the disk refuses answer 507
 * with a JSON error and change nothing; reads keep serving; once space is
 * freed the same server takes writes again (no restart); a shutdown on a
 * full disk exits cleanly; no acknowledged write is ever lost.
 */

import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE, type SqliteStore } from "../src/index.js";
import {
  type ChildServer,
  readAll,
  spawnServer,
  startTestServer,
  streamUrl,
  testCleanups,
} from "./helpers.js";
import { missingPrerequisite } from "./power-loss/prerequisite.js";

/** Fills the filesystem of `dir` with `dir/filler` until it refuses (ENOSPC). */
function fill(dir: string): void {
  const fd = openSync(join(dir, "filler"), "a");
  const page = Buffer.alloc(4096, 0x66);
  try {
    for (;;) writeSync(fd, page);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}

const text = { "content-type": "text/plain" };
const json = { "content-type": "application/json" };
const producer = (seq: number) => ({
  ...json,
  "producer-id": "p",
  "producer-epoch": "0",
  "producer-seq": String(seq),
});
const block = (i: number) => `${String(i).padStart(6, "0")}${"d".repeat(256 * 1024 - 7)};`;

describe("a full disk", () => {
  const cleanups = testCleanups();

  test("507 while full, reads served, writes resume once space is freed, clean shutdown when full", async (ctx) => {
    const disk = cleanups.tempDir();
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", disk]);
    if (mounted.status !== 0) {
      missingPrerequisite(ctx, `cannot mount a small tmpfs: ${mounted.stderr.toString().trim()}`);
    }
    cleanups.defer(() => {
      spawnSync("umount", ["-l", disk]);
    });
    const dataDir = join(disk, "data");
    mkdirSync(dataDir);
    let server: ChildServer = await spawnServer(["--data-dir", dataDir]);
    cleanups.defer(() => {
      server.process.kill("SIGKILL");
    });
    const url = (path: string) => `${server.url}/v1/stream/${path}`;
    expect((await fetch(url("a"), { method: "PUT", headers: text })).status).toBe(201);
    expect((await fetch(url("p"), { method: "PUT", headers: json })).status).toBe(201);
    const acknowledged: string[] = [];
    let next = 0;
    const append = async () => {
      const body = block(next++);
      const res = await fetch(url("a"), { method: "POST", headers: text, body });
      if (res.status === 204) acknowledged.push(body);
      return res;
    };
    for (let i = 0; i < 4; i++) expect((await append()).status).toBe(204);

    // Full: appends go on until the WAL needs space the disk does not have.
    fill(disk);
    let refused: Response | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await append();
      if (res.status !== 204) refused = res;
    }
    expect(refused?.status).toBe(507);
    expect(refused?.headers.get("content-type")).toBe("application/json");
    expect(refused?.headers.get("retry-after")).toBe("5");
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe(
      "STORAGE_FULL",
    );
    const bigJson = JSON.stringify({ pad: "j".repeat(512 * 1024) });
    const producerRefused = await fetch(url("p"), {
      method: "POST",
      headers: producer(0),
      body: bigJson,
    });
    expect(producerRefused.status).toBe(507);
    const createRefused = await fetch(url("b"), {
      method: "PUT",
      headers: text,
      body: "b".repeat(512 * 1024),
    });
    expect(createRefused.status).toBe(507);

    // Reads keep serving what was acknowledged, and only that.
    const expected = acknowledged.join("");
    expect(new TextDecoder().decode((await readAll(url("a"))).body)).toBe(expected);
    expect((await fetch(url("a"), { method: "HEAD" })).status).toBe(200);
    expect((await fetch(url("b"), { method: "HEAD" })).status).toBe(404);

    // Space again: the same server takes writes; the refused ones left no trace.
    rmSync(join(disk, "filler"));
    expect((await append()).status).toBe(204);
    expect(
      (await fetch(url("p"), { method: "POST", headers: producer(0), body: bigJson })).status,
    ).toBe(200);
    expect(
      (await fetch(url("b"), { method: "PUT", headers: text, body: "b".repeat(512 * 1024) }))
        .status,
    ).toBe(201);

    // Full again, then a shutdown: it exits cleanly, and nothing acknowledged is lost.
    fill(disk);
    let refusedAgain = false;
    for (let i = 0; i < 40 && !refusedAgain; i++) refusedAgain = (await append()).status === 507;
    expect(refusedAgain).toBe(true);
    server.process.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    rmSync(join(disk, "filler"));
    server = await spawnServer(["--data-dir", dataDir]);
    expect(new TextDecoder().decode((await readAll(url("a"))).body)).toBe(acknowledged.join(""));
    const retry = await fetch(url("p"), { method: "POST", headers: producer(0), body: bigJson });
    expect(retry.status).toBe(204);
    expect((await readAll(url("b"))).body.length).toBe(512 * 1024);
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    server.process.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  test("SQLITE_FULL from the database's page limit: 507, recovery without restart, clean close", async () => {
    const dataDir = cleanups.tempDir();
    let server = await startTestServer({ dataDir });
    const url = (path: string) => streamUrl(server, path);
    expect((await fetch(url("a"), { method: "PUT", headers: text })).status).toBe(201);
    expect((await fetch(url("p"), { method: "PUT", headers: json })).status).toBe(201);
    const acknowledged: string[] = [];
    let next = 0;
    const append = async () => {
      const body = block(next++);
      const res = await fetch(url("a"), { method: "POST", headers: text, body });
      if (res.status === 204) acknowledged.push(body);
      return res;
    };
    for (let i = 0; i < 2; i++) expect((await append()).status).toBe(204);
    const db = (server.store as SqliteStore).db;
    const full = () => {
      const pages = db.pragma("page_count", { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 2}`);
    };

    full();
    const refused = await append();
    expect(refused.status).toBe(507);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("STORAGE_FULL");
    const bigJson = JSON.stringify({ pad: "j".repeat(64 * 1024) });
    expect(
      (await fetch(url("p"), { method: "POST", headers: producer(0), body: bigJson })).status,
    ).toBe(507);
    expect(
      (await fetch(url("b"), { method: "PUT", headers: text, body: "b".repeat(64 * 1024) })).status,
    ).toBe(507);
    expect(new TextDecoder().decode((await readAll(url("a"))).body)).toBe(acknowledged.join(""));

    db.pragma("max_page_count = 1073741823");
    expect((await append()).status).toBe(204);
    expect(
      (await fetch(url("p"), { method: "POST", headers: producer(0), body: bigJson })).status,
    ).toBe(200);
    expect(
      (await fetch(url("b"), { method: "PUT", headers: text, body: "b".repeat(64 * 1024) })).status,
    ).toBe(201);

    full();
    expect((await append()).status).toBe(507);
    await server.close();

    server = await startTestServer({ dataDir });
    cleanups.defer(() => server.close());
    expect(new TextDecoder().decode((await readAll(url("a"))).body)).toBe(acknowledged.join(""));
    expect(
      (await fetch(url("p"), { method: "POST", headers: producer(0), body: bigJson })).status,
    ).toBe(204);
    expect((await readAll(url("b"))).body.length).toBe(64 * 1024);
  });
});
