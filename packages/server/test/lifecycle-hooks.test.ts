/** Lifecycle hooks for embedders and the opt-in registry stream `__ds/registry`. */

import { signStreamToken } from "@durastream/server-core";
import { describe, expect, test } from "vitest";
import type { StreamEvent } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

/** Collects events; `next(n)` resolves once `n` have arrived. */
function eventLog() {
  const events: StreamEvent[] = [];
  let waiting: { count: number; resolve: () => void } | null = null;
  const push = (event: StreamEvent) => {
    events.push(event);
    if (waiting && events.length >= waiting.count) waiting.resolve();
  };
  const next = (count: number) =>
    events.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          waiting = { count, resolve };
        });
  return { events, push, next };
}

describe("lifecycle hooks", () => {
  const cleanups = testCleanups();

  test("onStreamCreated and onStreamDeleted report creates, forks, deletes and expiry", async () => {
    const log = eventLog();
    const server = await startTestServer({
      dataDir: cleanups.tempDir(),
      sweepIntervalMs: 20,
      onStreamCreated: log.push,
      onStreamDeleted: log.push,
    });
    cleanups.defer(() => server.close());
    const source = streamUrl(server, "hooks/source");
    const created = await fetch(source, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "abc",
    });
    const tail = created.headers.get("stream-next-offset")!;
    // An idempotent re-create is not a new stream.
    await fetch(source, { method: "PUT", headers: { "content-type": "text/plain" } });
    await fetch(streamUrl(server, "hooks/fork"), {
      method: "PUT",
      headers: { "stream-forked-from": "/v1/stream/hooks/source" },
    });
    await fetch(source, { method: "DELETE" });
    await fetch(streamUrl(server, "hooks/short"), {
      method: "PUT",
      headers: { "stream-ttl": "1" },
    });
    await log.next(5);

    expect(log.events.map((e) => [e.type, e.path])).toEqual([
      ["created", "hooks/source"],
      ["created", "hooks/fork"],
      ["deleted", "hooks/source"],
      ["created", "hooks/short"],
      ["deleted", "hooks/short"],
    ]);
    expect(log.events[0]).toMatchObject({
      contentType: "text/plain",
      ttlSeconds: null,
      expiresAt: null,
      forkedFrom: null,
    });
    expect(log.events[1]).toMatchObject({ forkedFrom: { path: "hooks/source", offset: tail } });
    expect(log.events[2]).toMatchObject({ reason: "deleted" });
    expect(log.events[4]).toMatchObject({ reason: "expired" });
  });

  test("a failing hook never fails the request", async () => {
    const server = await startTestServer({
      memory: true,
      onStreamCreated: () => {
        throw new Error("hook bug");
      },
      onStreamDeleted: () => Promise.reject(new Error("async hook bug")),
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "h");
    expect((await fetch(url, { method: "PUT" })).status).toBe(201);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
  });
});

describe("registry stream", () => {
  const cleanups = testCleanups();
  const SECRET = "registry-secret";

  test("follows every create and delete; read scope applies; only the server writes it; it survives restarts", async () => {
    const dataDir = cleanups.tempDir();
    let server = await startTestServer({ dataDir, secret: SECRET, registry: true });
    cleanups.defer(() => server.close());
    const admin = { authorization: `Bearer ${SECRET}` };
    const registry = () => streamUrl(server, "__ds/registry");
    const reader = {
      authorization: `Bearer ${await signStreamToken(SECRET, {
        paths: ["__ds/registry"],
        ops: ["read"],
        ttlSeconds: 600,
      })}`,
    };

    const sse = await fetch(`${registry()}?offset=-1&live=sse`, { headers: reader });
    expect(sse.status).toBe(200);
    await fetch(streamUrl(server, "r/1"), { method: "PUT", headers: admin });
    await fetch(streamUrl(server, "r/1"), { method: "DELETE", headers: admin });

    // The live reader sees both events as they happen.
    const decoder = new TextDecoder();
    const body = sse.body!.getReader();
    let text = "";
    while (!text.includes('"deleted"')) {
      const { value, done } = await body.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await body.cancel();
    expect(text).toContain('"type":"created","path":"r/1"');

    const events = await fetch(`${registry()}?offset=-1`, { headers: reader });
    expect(events.headers.get("content-type")).toBe("application/json");
    expect(
      ((await events.json()) as StreamEvent[]).map((event) => [event.type, event.path]),
    ).toEqual([
      ["created", "r/1"],
      ["deleted", "r/1"],
    ]);

    const noScope = {
      authorization: `Bearer ${await signStreamToken(SECRET, { paths: ["r/**"], ops: ["admin"], ttlSeconds: 60 })}`,
    };
    expect((await fetch(`${registry()}?offset=-1`, { headers: noScope })).status).toBe(403);
    expect((await fetch(`${registry()}?offset=-1`)).status).toBe(401);
    for (const method of ["POST", "PUT", "DELETE"]) {
      const refused = await fetch(registry(), {
        method,
        headers: { ...admin, "content-type": "application/json" },
        body: method === "DELETE" ? null : "{}",
      });
      expect(refused.status).toBe(405);
    }
    const other = await fetch(streamUrl(server, "__ds/nothing-here"), { headers: admin });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("RESERVED_PATH");

    await server.close();
    server = await startTestServer({ dataDir, secret: SECRET, registry: true });
    await fetch(streamUrl(server, "r/2"), { method: "PUT", headers: admin });
    let after: StreamEvent[] = [];
    while (after.length < 3) {
      const res = await fetch(`${registry()}?offset=-1`, { headers: admin });
      after = (await res.json()) as StreamEvent[];
    }
    expect(after.map((event) => event.path)).toEqual(["r/1", "r/1", "r/2"]);
  });

  test("off by default: __ds/registry is not a route", async () => {
    const server = await startTestServer({ memory: true });
    cleanups.defer(() => server.close());
    const res = await fetch(`${streamUrl(server, "__ds/registry")}?offset=-1`);
    expect(res.status).toBe(404);
    // Never a stream either: nobody can create it.
    expect((await fetch(streamUrl(server, "__ds/registry"), { method: "PUT" })).status).toBe(405);
  });
});
