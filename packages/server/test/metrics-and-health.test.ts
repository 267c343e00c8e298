/** /metrics after a scripted workload (exact counts), /healthz, /readyz (draining, unwritable), request ids in logs. */

import { Writable } from "node:stream";
import { signStreamToken } from "@durastream/server-core";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import type { SqliteStore } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

/** Samples of a Prometheus text exposition, keyed `name{a="x",b="y"}` with labels sorted. */
async function scrape(baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = (match[2] ?? "")
      .split(/,(?=[a-z_]+=")/)
      .filter((label) => label !== "")
      .sort()
      .join(",");
    samples.set(labels ? `${match[1]}{${labels}}` : match[1]!, Number(match[3]));
  }
  return samples;
}

const requests = (operation: string, status: number) =>
  `durastream_requests_total{operation="${operation}",status="${status}"}`;

describe("metrics", () => {
  const cleanups = testCleanups();

  test("counters match a scripted workload exactly", async () => {
    const server = await startTestServer({ dataDir: cleanups.tempDir(), longPollTimeoutMs: 100 });
    cleanups.defer(() => server.close());
    const a = streamUrl(server, "work/a");
    const b = streamUrl(server, "work/b");
    const text = { "content-type": "text/plain" };

    expect((await fetch(a, { method: "PUT", headers: text })).status).toBe(201);
    expect((await fetch(a, { method: "PUT", headers: text })).status).toBe(200);
    expect((await fetch(b, { method: "PUT", headers: text, body: "hello" })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      expect((await fetch(a, { method: "POST", headers: text, body: "12345" })).status).toBe(204);
    }
    // A chunked upload (no Content-Length) is counted as it is read.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("ab"));
        controller.enqueue(new TextEncoder().encode("c"));
        controller.close();
      },
    });
    const chunkedAppend = await fetch(a, {
      method: "POST",
      headers: text,
      body: chunked,
      duplex: "half",
    } as RequestInit);
    expect(chunkedAppend.status).toBe(204);

    const read = await fetch(`${a}?offset=-1`);
    expect(await read.text()).toBe("123451234512345abc");
    const tail = read.headers.get("stream-next-offset")!;
    expect((await fetch(`${streamUrl(server, "work/missing")}?offset=-1`)).status).toBe(404);
    expect(
      (await fetch(a, { method: "PUT", headers: { "content-type": "application/json" } })).status,
    ).toBe(409);
    expect((await fetch(a, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${a}?offset=${tail}&live=long-poll`)).status).toBe(204);
    expect((await fetch(b, { method: "POST", headers: { "stream-closed": "true" } })).status).toBe(
      204,
    );
    const sse = await fetch(`${b}?offset=-1&live=sse`);
    expect(sse.status).toBe(200);
    const sseBytes = (await sse.arrayBuffer()).byteLength;
    expect((await fetch(a, { method: "DELETE" })).status).toBe(204);
    expect(
      (
        await fetch(a, {
          method: "OPTIONS",
          headers: { origin: "http://x.example", "access-control-request-method": "POST" },
        })
      ).status,
    ).toBe(204);

    const samples = await scrape(server.url);
    const expected: Record<string, number> = {
      [requests("create", 201)]: 2,
      [requests("create", 200)]: 1,
      [requests("create", 409)]: 1,
      [requests("append", 204)]: 5,
      [requests("read", 200)]: 1,
      [requests("read", 404)]: 1,
      [requests("head", 200)]: 1,
      [requests("read_long_poll", 204)]: 1,
      [requests("read_sse", 200)]: 1,
      [requests("delete", 204)]: 1,
      [requests("preflight", 204)]: 1,
      durastream_append_bytes_total: 18,
      'durastream_read_bytes_total{mode="catch_up"}': 18,
      'durastream_read_bytes_total{mode="long_poll"}': 0,
      'durastream_read_bytes_total{mode="sse"}': sseBytes,
      'durastream_rejected_requests_total{reason="STREAM_NOT_FOUND"}': 1,
      'durastream_rejected_requests_total{reason="STREAM_EXISTS"}': 1,
      'durastream_live_readers{mode="long_poll"}': 0,
      'durastream_live_readers{mode="sse"}': 0,
      durastream_streams: 1,
    };
    const actual = Object.fromEntries(
      [...samples].filter(
        ([name]) =>
          name in expected ||
          name.startsWith("durastream_requests_total") ||
          name.startsWith("durastream_rejected_requests_total"),
      ),
    );
    expect(actual).toEqual(expected);
    expect(sseBytes).toBeGreaterThan(5);
    // Every acknowledged write went through a durable commit group.
    expect(samples.get("durastream_commit_group_size_count")).toBeGreaterThanOrEqual(1);
    expect(samples.get("durastream_commit_group_size_sum")).toBeGreaterThanOrEqual(8);
    expect(samples.get("durastream_fsync_seconds_count")).toBe(
      samples.get("durastream_commit_group_size_count"),
    );
  });

  test("open live readers are counted while they wait; expiry sweeps are counted", async () => {
    const server = await startTestServer({
      memory: true,
      longPollTimeoutMs: 60_000,
      sweepIntervalMs: 20,
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "live");
    await fetch(url, { method: "PUT", headers: { "stream-ttl": "1" } });
    const sse = await fetch(`${url}?offset=now&live=sse`);
    const poll = fetch(`${url}?offset=now&live=long-poll`);
    let samples = await scrape(server.url);
    while (samples.get('durastream_live_readers{mode="long_poll"}') !== 1) {
      samples = await scrape(server.url);
    }
    expect(samples.get('durastream_live_readers{mode="sse"}')).toBe(1);
    // The stream expires within a second; the sweep retires it and ends both readers.
    expect((await poll).status).toBeGreaterThanOrEqual(200);
    await sse.body?.cancel();
    while ((samples.get("durastream_expired_streams_total") ?? 0) < 1) {
      samples = await scrape(server.url);
    }
    expect(samples.get("durastream_expiry_sweeps_total")).toBeGreaterThanOrEqual(1);
  });
});

describe("refusals before the engine", () => {
  const cleanups = testCleanups();

  test("a live read over the server's cap is counted as OVERLOADED", async () => {
    const server = await startTestServer({
      memory: true,
      longPollTimeoutMs: 60_000,
      limits: { maxLiveReaders: 1 },
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "capped");
    await fetch(url, { method: "PUT" });
    const waiting = fetch(`${url}?offset=now&live=long-poll`);
    let samples = await scrape(server.url);
    while (samples.get('durastream_live_readers{mode="long_poll"}') !== 1) {
      samples = await scrape(server.url);
    }
    expect((await fetch(`${url}?offset=now&live=long-poll`)).status).toBe(503);
    samples = await scrape(server.url);
    expect(samples.get('durastream_rejected_requests_total{reason="OVERLOADED"}')).toBe(1);
    await server.close();
    expect((await waiting).status).toBe(204);
  });
});

describe("health", () => {
  const cleanups = testCleanups();

  test("/healthz and /readyz answer; draining makes /readyz 503 while streams are still served", async () => {
    const server = await startTestServer({ dataDir: cleanups.tempDir() });
    cleanups.defer(() => server.close());
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    expect((await fetch(`${server.url}/readyz`, { method: "POST" })).status).toBe(405);

    server.drain();
    const draining = await fetch(`${server.url}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: "draining" });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(streamUrl(server, "still"), { method: "PUT" })).status).toBe(201);
  });

  test("/readyz is 503 while the store cannot write; the failed request carries its id", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    const server = await startTestServer({
      dataDir: cleanups.tempDir(),
      logger: pino({ level: "info" }, sink),
    });
    cleanups.defer(() => server.close());
    const store = server.store as SqliteStore;
    const url = streamUrl(server, "full");
    await fetch(url, { method: "PUT" });
    // The database may not grow: the next large append fails like a full disk.
    const pages = store.db.pragma("page_count", { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const failed = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream", "x-request-id": "req-disk-full" },
      body: new Uint8Array(1024 * 1024),
    });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.headers.get("x-request-id")).toBe("req-disk-full");
    const readyz = await fetch(`${server.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { status: string }).status).toBe("unwritable");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Room again: ready again, without a restart.
    store.db.pragma("max_page_count = 1073741823");
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    // An unexpected storage error (500) is logged under the request's id.
    if (failed.status === 500) {
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged.some((line) => line.reqId === "req-disk-full" && line.level === 50)).toBe(true);
    }
  });
});

describe("logs", () => {
  const cleanups = testCleanups();

  test("JSON lines with request ids; no secret or token ever appears", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    const secret = "log-secret-value";
    const server = await startTestServer({
      memory: true,
      secret,
      logger: pino({ level: "debug" }, sink),
    });
    cleanups.defer(() => server.close());
    const token = await signStreamToken(secret, {
      paths: ["l/**"],
      ops: ["admin"],
      ttlSeconds: 60,
    });
    const forged = await signStreamToken("wrong", {
      paths: ["l/**"],
      ops: ["admin"],
      ttlSeconds: 60,
    });
    const url = streamUrl(server, "l/1");
    await fetch(url, { method: "PUT", headers: { authorization: `Bearer ${token}` } });
    await fetch(url, { method: "PUT", headers: { authorization: `Bearer ${forged}` } });
    await fetch(url, { method: "HEAD", headers: { authorization: `Bearer ${secret}` } });
    await fetch(url, { method: "HEAD", headers: { "x-request-id": "client-chosen-id" } });
    await server.close();

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = logged.filter((line) => line.msg === "request");
    expect(requestLines).toHaveLength(4);
    expect(requestLines.every((line) => typeof line.reqId === "string")).toBe(true);
    expect(requestLines.map((line) => line.status)).toEqual([201, 401, 200, 401]);
    expect(requestLines[3]!.reqId).toBe("client-chosen-id");
    const all = lines.join("\n");
    for (const credential of [secret, token, forged, token.split(".")[2]!]) {
      expect(all).not.toContain(credential);
    }
  });
});
