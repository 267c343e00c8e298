/**
 * Retention (issue 14): a stream past its byte limit keeps serving from its
 * new earliest offset, answers 410 before it, reports it on HEAD; a fork made
 * before trimming keeps its whole history; age limits trim by write time;
 * the database file stops growing under a steady load; and an application
 * trims a stream below an offset (`trimStream`).
 */

import { statSync } from "node:fs";
import { join } from "node:path";
import { encodeOffset } from "@durastream/protocol";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE, type RunningServer, type SqliteStore } from "../src/index.js";
import { readAll, startTestServer, streamUrl, testCleanups } from "./helpers.js";

const text = { "content-type": "text/plain" };
const KIB = 1024;

/** 1 KiB of one repeated letter: the `i`-th append of a test. */
function kib(i: number): string {
  return String.fromCharCode(97 + (i % 26)).repeat(KIB);
}

async function append(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: text, body });
  expect(res.status).toBe(204);
}

async function earliestOf(url: string): Promise<string | null> {
  const res = await fetch(url, { method: "HEAD" });
  expect(res.status).toBe(200);
  return res.headers.get("stream-earliest-offset");
}

describe.each([
  ["SQLite", false],
  ["memory", true],
])("retention by bytes (%s)", (_name, memory) => {
  const cleanups = testCleanups();

  async function server(): Promise<RunningServer> {
    // A sweep interval of an hour: the test runs the trims itself, when it wants them.
    const running = await startTestServer({
      memory,
      dataDir: cleanups.tempDir(),
      sweepIntervalMs: 3_600_000,
    });
    cleanups.defer(() => running.close());
    return running;
  }

  test("trimStream trims one stream below an offset, whole appends, capped by its forks", async () => {
    const s = await server();
    const log = streamUrl(s, "app-trim");
    expect((await fetch(log, { method: "PUT", headers: text })).status).toBe(201);
    for (let i = 0; i < 4; i++) await append(log, kib(i));
    const fork = streamUrl(s, "app-trim-fork");
    const forked = await fetch(fork, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/app-trim" },
    });
    expect(forked.status).toBe(201);
    for (let i = 4; i < 8; i++) await append(log, kib(i));
    // The fork reads the first 4 KiB: nothing of it goes.
    expect(await s.engine.trimStream("app-trim", encodeOffset(6 * KIB))).toBe(encodeOffset(0));
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    // Inside the third append: only the two before it go.
    expect(await s.engine.trimStream("app-trim", encodeOffset(2 * KIB + 10))).toBe(
      encodeOffset(2 * KIB),
    );
    expect(await earliestOf(log)).toBe(encodeOffset(2 * KIB));
    const gone = await fetch(`${log}?offset=${encodeOffset(KIB)}`);
    expect(gone.status).toBe(410);
    const rest = await readAll(log);
    expect(new TextDecoder().decode(rest.body)).toBe(
      [2, 3, 4, 5, 6, 7].map((i) => kib(i)).join(""),
    );
    expect(await s.engine.trimStream("no-such-stream", encodeOffset(0))).toBeNull();
  });

  test("serves from the new earliest offset, 410 before it; a fork keeps its history", async () => {
    const s = await server();
    const log = streamUrl(s, "log");
    const created = await fetch(log, {
      method: "PUT",
      headers: { ...text, "stream-retention-max-bytes": String(4 * KIB) },
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 6; i++) await append(log, kib(i));
    const fork = streamUrl(s, "log-fork");
    const forked = await fetch(fork, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/log" },
    });
    expect(forked.status).toBe(201);
    await append(fork, "fork's own");
    for (let i = 6; i < 16; i++) await append(log, kib(i));

    expect(await earliestOf(log)).toBe(encodeOffset(0));
    // 16 KiB written, 4 KiB to keep, but the fork still reads the first 6 KiB.
    expect(await s.engine.trimRetained()).toBe(0);
    expect(await earliestOf(log)).toBe(encodeOffset(0));
    let history = "";
    for (let i = 0; i < 6; i++) history += kib(i);
    const forkRead = await readAll(fork);
    expect(new TextDecoder().decode(forkRead.body)).toBe(`${history}fork's own`);

    // Once the fork is gone, the source trims down to its own limit.
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    expect(await s.engine.trimRetained()).toBe(1);
    expect(await earliestOf(log)).toBe(encodeOffset(12 * KIB));

    const gone = await fetch(`${log}?offset=${encodeOffset(6 * KIB)}`);
    expect(gone.status).toBe(410);
    expect(gone.headers.get("stream-earliest-offset")).toBe(encodeOffset(12 * KIB));
    expect((await gone.json()).error.code).toBe("OFFSET_GONE");
    const live = await fetch(`${log}?offset=${encodeOffset(11 * KIB)}&live=long-poll`);
    expect(live.status).toBe(410);
    await live.arrayBuffer();

    const kept = await readAll(log);
    let expected = "";
    for (let i = 12; i < 16; i++) expected += kib(i);
    expect(new TextDecoder().decode(kept.body)).toBe(expected);
    expect(kept.nextOffset).toBe(encodeOffset(16 * KIB));
    const fromEarliest = await fetch(`${log}?offset=${encodeOffset(12 * KIB)}`);
    expect(fromEarliest.status).toBe(200);
    expect((await fromEarliest.text()).slice(0, KIB)).toBe(kib(12));

    // A fork made now starts at the source's earliest offset.
    const late = streamUrl(s, "log-late");
    const lateFork = await fetch(late, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/log" },
    });
    expect(lateFork.status).toBe(201);
    expect(await earliestOf(late)).toBe(encodeOffset(12 * KIB));
    expect(new TextDecoder().decode((await readAll(late)).body)).toBe(expected);
    expect((await fetch(`${late}?offset=${encodeOffset(0)}`)).status).toBe(410);

    // The stream keeps taking appends and reads follow them.
    await append(log, "tail");
    const after = await readAll(log);
    expect(after.body.length).toBe(4 * KIB + 4);
  });
});

describe("retention settings", () => {
  const cleanups = testCleanups();

  test("are validated strictly, reported on HEAD and part of idempotent create", async () => {
    const s = await startTestServer({ memory: true });
    cleanups.defer(() => s.close());
    const url = streamUrl(s, "r");
    for (const [header, value] of [
      ["stream-retention-max-bytes", "0"],
      ["stream-retention-max-bytes", "-1"],
      ["stream-retention-max-bytes", "1.5"],
      ["stream-retention-max-bytes", "10kb"],
      ["stream-retention-max-age", "01"],
      ["stream-retention-max-age", "99999999999999999999"],
    ] as const) {
      const res = await fetch(url, { method: "PUT", headers: { ...text, [header]: value } });
      expect(res.status, `${header}: ${value}`).toBe(400);
      expect((await res.json()).error.code).toBe("INVALID_HEADER");
    }
    expect((await fetch(url, { method: "HEAD" })).status).toBe(404);

    const settings = { "stream-retention-max-bytes": "1000", "stream-retention-max-age": "60" };
    const put = (headers: Record<string, string>) =>
      fetch(url, { method: "PUT", headers: { ...text, ...headers } });
    expect((await put(settings)).status).toBe(201);
    expect((await put(settings)).status).toBe(200);
    expect((await put({ "stream-retention-max-bytes": "1000" })).status).toBe(409);
    expect((await put({})).status).toBe(409);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.headers.get("stream-retention-max-bytes")).toBe("1000");
    expect(head.headers.get("stream-retention-max-age")).toBe("60");
    expect(head.headers.get("stream-earliest-offset")).toBe(encodeOffset(0));
  });

  test("age limits trim what was written before the limit, by the server's clock", async () => {
    let now = Date.UTC(2026, 0, 1);
    const s = await startTestServer({
      dataDir: cleanups.tempDir(),
      clock: { now: () => now },
      sweepIntervalMs: 3_600_000,
    });
    cleanups.defer(() => s.close());
    const url = streamUrl(s, "aged");
    const created = await fetch(url, {
      method: "PUT",
      headers: { ...text, "stream-retention-max-age": "60" },
    });
    expect(created.status).toBe(201);
    await append(url, "old ");
    now += 30_000;
    await append(url, "newer ");
    now += 45_000;
    // "old " is 75 s old, "newer " 45 s: only the first goes.
    expect(await s.engine.trimRetained()).toBe(1);
    expect(await earliestOf(url)).toBe(encodeOffset(4));
    expect(new TextDecoder().decode((await readAll(url)).body)).toBe("newer ");
    now += 60_000;
    expect(await s.engine.trimRetained()).toBe(1);
    expect(await earliestOf(url)).toBe(encodeOffset(10));
    const empty = await fetch(`${url}?offset=-1`);
    expect(empty.headers.get("stream-up-to-date")).toBe("true");
    expect(await empty.text()).toBe("");
  });
});

describe("space under retention (SQLite)", () => {
  const cleanups = testCleanups();

  test("the database file stops growing under a steady write load", async () => {
    const dataDir = cleanups.tempDir();
    const s = await startTestServer({
      dataDir,
      retentionMaxBytes: 64 * KIB,
      sweepIntervalMs: 3_600_000,
      // Checkpoints only when the test takes them, so each size is exact.
      storage: { checkpointBytes: 1 << 30 },
    });
    cleanups.defer(() => s.close());
    const db = (s.store as SqliteStore).db;
    const url = streamUrl(s, "steady");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    const block = "x".repeat(4 * KIB);
    const sizes: number[] = [];
    const ROUNDS = 16;
    for (let round = 0; round < ROUNDS; round++) {
      // 256 KiB a round, 4 MiB in all, against a 64 KiB server-wide limit.
      for (let i = 0; i < 64; i++) await append(url, block);
      await s.engine.trimRetained();
      db.pragma("wal_checkpoint(TRUNCATE)");
      sizes.push(statSync(join(dataDir, DATABASE_FILE)).size);
    }
    const free = db.pragma("freelist_count", { simple: true });
    console.log(
      `database file after each 256 KiB round (KiB): ${sizes.map((n) => Math.round(n / KIB)).join(", ")}; free pages at the end: ${free}`,
    );
    const written = ROUNDS * 256 * KIB;
    // The file holds about one round plus the retained tail, not what was written.
    expect(sizes.at(-1)!).toBeLessThan(written / 4);
    // Steady state: the second half of the run never grows past the first half's largest.
    const firstHalfMax = Math.max(...sizes.slice(0, ROUNDS / 2));
    expect(Math.max(...sizes.slice(ROUNDS / 2))).toBeLessThanOrEqual(firstHalfMax);
  });
});
