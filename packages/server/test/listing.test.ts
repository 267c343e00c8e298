/**
 * The reserved `__ds` namespace and the stream listing extension
 * (`GET /v1/stream/__ds/streams`), on both stores, over real sockets.
 */

import type { ListingPage as Page } from "@durastream/protocol";
import { describe, expect, test } from "vitest";
import type { RunningServer } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

function listUrl(server: RunningServer, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `${server.url}/v1/stream/__ds/streams${search ? `?${search}` : ""}`;
}

async function page(server: RunningServer, query: Record<string, string> = {}): Promise<Page> {
  const res = await fetch(listUrl(server, query));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return (await res.json()) as Page;
}

/** Every listed path under `prefix`, following cursors `limit` at a time. */
async function listAll(server: RunningServer, prefix = "", limit = 100): Promise<string[]> {
  const paths: string[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { prefix, limit: String(limit) };
    if (cursor !== null) query.cursor = cursor;
    const result = await page(server, query);
    paths.push(...result.streams.map((s) => s.path));
    cursor = result.nextCursor;
  } while (cursor !== null);
  return paths;
}

async function create(
  server: RunningServer,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<void> {
  const res = await fetch(streamUrl(server, path), {
    method: "PUT",
    headers: { "content-type": "text/plain", ...headers },
    body: body ?? null,
  });
  expect(res.status).toBe(201);
}

async function errorOf(res: Response): Promise<{ status: number; code: string }> {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
}

describe.each([
  ["SQLite", false],
  ["memory", true],
])("reserved namespace and listing (%s store)", (_name, memory) => {
  const cleanups = testCleanups();

  async function server(options: { secret?: string; clock?: { now: () => number } } = {}) {
    const started = await startTestServer(
      memory ? { memory: true, ...options } : { dataDir: cleanups.tempDir(), ...options },
    );
    cleanups.defer(() => started.close());
    return started;
  }

  test("__ds is never an application stream: other __ds paths 400 for every method, wrong methods 405", async () => {
    const s = await server();
    for (const path of ["__ds", "__ds/nope", "__ds/streams/extra", "__ds/subscriptions"]) {
      for (const method of ["PUT", "POST", "GET", "HEAD", "DELETE"]) {
        const res = await fetch(streamUrl(s, path), { method });
        if (method === "HEAD") expect(res.status).toBe(400);
        else expect(await errorOf(res)).toEqual({ status: 400, code: "RESERVED_PATH" });
      }
    }
    const post = await fetch(listUrl(s), { method: "POST", body: "x" });
    expect(await errorOf(post)).toEqual({ status: 405, code: "METHOD_NOT_ALLOWED" });
    expect(post.headers.get("allow")).toBe("GET, OPTIONS");
    // `__dsx` is an ordinary stream: only the whole first segment is reserved.
    await create(s, "__dsx/a");
    expect((await page(s)).streams.map((x) => x.path)).toEqual(["__dsx/a"]);
  });

  test("lists live streams in byte order with their metadata", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const s = await server({ clock: { now: () => now } });
    await create(s, "chat/b", {}, "hello");
    await create(s, "chat/a", { "stream-ttl": "60" });
    await create(s, "chat/c", { "stream-expires-at": "2026-01-02T00:00:00Z" });
    await create(s, "chatroom");
    await create(s, "done", { "stream-closed": "true" }, "bye");
    const fork = await fetch(streamUrl(s, "chat/b-fork"), {
      method: "PUT",
      headers: { "stream-forked-from": "/v1/stream/chat/b" },
    });
    expect(fork.status).toBe(201);
    await create(s, "gone");
    expect((await fetch(streamUrl(s, "gone"), { method: "DELETE" })).status).toBe(204);

    const all = await page(s);
    expect(all.nextCursor).toBeNull();
    expect(all.streams.map((x) => x.path)).toEqual([
      "chat/a",
      "chat/b",
      "chat/b-fork",
      "chat/c",
      "chatroom",
      "done",
    ]);
    const byPath = new Map(all.streams.map((x) => [x.path, x]));
    const head = await fetch(streamUrl(s, "chat/b"), { method: "HEAD" });
    expect(byPath.get("chat/b")).toEqual({
      path: "chat/b",
      contentType: "text/plain",
      nextOffset: head.headers.get("stream-next-offset"),
      bytes: 5,
      closed: false,
      createdAt: "2026-01-01T00:00:00.000Z",
      expiresAt: null,
      ttlSeconds: null,
      forkedFrom: null,
    });
    expect(byPath.get("chat/a")?.ttlSeconds).toBe(60);
    expect(byPath.get("chat/c")?.expiresAt).toBe("2026-01-02T00:00:00.000Z");
    expect(byPath.get("done")?.closed).toBe(true);
    expect(byPath.get("chat/b-fork")?.forkedFrom).toEqual({
      path: "chat/b",
      offset: head.headers.get("stream-next-offset"),
    });
    expect(byPath.get("chat/b-fork")?.bytes).toBe(5);

    expect((await page(s, { prefix: "chat/" })).streams.map((x) => x.path)).toEqual([
      "chat/a",
      "chat/b",
      "chat/b-fork",
      "chat/c",
    ]);

    // Two minutes later chat/a's TTL has run out: listing leaves it out (and
    // does not itself refresh anyone's TTL).
    now += 120_000;
    expect((await page(s, { prefix: "chat/" })).streams.map((x) => x.path)).toEqual([
      "chat/b",
      "chat/b-fork",
      "chat/c",
    ]);
  });

  test("pages by opaque cursor in UTF-8 byte order, including non-ASCII paths", async () => {
    const s = await server();
    // UTF-16 order would put "\u{1F600}" (a surrogate pair) before "\uFFFD"; byte order does not.
    const paths = ["p/z", "p/\u00e9", "p/\uFFFD", "p/\u{1F600}", "p/A", "p/a", "p/a/b", "p/0"];
    for (const path of paths) await create(s, encodeURI(path).replaceAll("%2F", "/"));
    const expected = [...paths].sort((a, b) =>
      Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")),
    );
    for (const limit of [1, 3, 100]) expect(await listAll(s, "p/", limit)).toEqual(expected);
    const first = await page(s, { prefix: "p/", limit: "3" });
    expect(first.streams).toHaveLength(3);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test("bad parameters get a 400 and change nothing", async () => {
    const s = await server();
    const queries: Record<string, string>[] = [
      { limit: "0" },
      { limit: "1001" },
      { limit: "ten" },
      { limit: "-1" },
      { cursor: "!!" },
      { cursor: "__8" },
      { prefix: "x".repeat(1025) },
    ];
    for (const query of queries) {
      const res = await fetch(listUrl(s, query));
      expect(await errorOf(res)).toEqual({ status: 400, code: "BAD_REQUEST" });
    }
    expect((await page(s, { limit: "1000" })).streams).toEqual([]);
  });

  test("the server's authentication applies to __ds routes", async () => {
    const s = await server({ secret: "s3cret" });
    expect((await fetch(listUrl(s))).status).toBe(401);
    expect((await fetch(streamUrl(s, "__ds/unknown"))).status).toBe(401);
    expect((await fetch(listUrl(s), { method: "DELETE" })).status).toBe(401);
    const res = await fetch(listUrl(s), { headers: { authorization: "Bearer s3cret" } });
    expect(res.status).toBe(200);
  });

  test("pages never skip or repeat a stream while others are created and deleted", async () => {
    const s = await server();
    const stable: string[] = [];
    for (let i = 0; i < 300; i++) {
      const path = `c/${String((i * 7919) % 1000).padStart(3, "0")}`;
      stable.push(path);
      await create(s, path);
    }
    let churn = true;
    const churner = (async () => {
      for (let i = 0; churn; i++) {
        const path = `c/${String(i % 1000).padStart(3, "0")}-tmp`;
        await create(s, path);
        if (i % 2 === 0) await fetch(streamUrl(s, path), { method: "DELETE" });
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const listed = await listAll(s, "c/", 7);
        const sorted = [...listed].sort();
        expect(listed).toEqual(sorted);
        expect(new Set(listed).size).toBe(listed.length);
        const seen = new Set(listed);
        expect(stable.filter((path) => !seen.has(path))).toEqual([]);
      }
    } finally {
      churn = false;
      await churner;
    }
  });
});
