/**
 * Stream listing on Cloudflare (`GET /v1/stream/__ds/streams`): the registry
 * object's path index, fed by each stream object's durable outbox, answers
 * the same contract as the Node server — pages in byte order of paths,
 * prefix, an opaque cursor that neither skips nor repeats under concurrent
 * creates and deletes, deleted streams left out.
 */

import type { ListingPage as Page } from "@durastream/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, tempDir } from "./helpers.js";

let worker: LocalWorker;
let cleanup = () => {};
const text = { "content-type": "text/plain" };

beforeAll(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  worker = await startLocalWorker({
    port: 0,
    persistTo: temp.dir,
    vars: { REGISTRY_REFRESH_MS: "200" },
  });
}, 60_000);

afterAll(async () => {
  await worker?.close();
  cleanup();
});

const stream = (path: string) => `${worker.url}/v1/stream/${path}`;

async function list(query: string): Promise<Page> {
  const response = await fetch(`${worker.url}/v1/stream/__ds/streams?${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  return (await response.json()) as Page;
}

async function create(path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(stream(path), {
    method: "PUT",
    headers: { ...text, ...headers },
    body,
  });
  expect(response.status).toBe(201);
}

const paths = (page: Page) => page.streams.map((s) => s.path);

describe("Cloudflare: stream listing through the registry object", () => {
  it("lists created streams with the Node server's fields, and pages by an opaque cursor", async () => {
    await create("pages/b", "hello");
    await create("pages/a");
    await create("pages/c", "x", { "stream-ttl": "3600" });
    await fetch(stream("pages/a"), {
      method: "POST",
      headers: { ...text, "stream-closed": "true" },
    });
    await create("other/z");

    // Reports reach the registry right after each write's answer.
    await eventually(async () => {
      const page = await list("prefix=pages/");
      return page.streams.length === 3 && page.streams[0]!.closed;
    }, 10_000);
    const first = await list("prefix=pages/&limit=2");
    expect(first.streams.map((s) => s.path)).toEqual(["pages/a", "pages/b"]);
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const [a, b] = first.streams;
    expect(a).toMatchObject({
      contentType: "text/plain",
      bytes: 0,
      closed: true,
      forkedFrom: null,
    });
    expect(b).toMatchObject({ bytes: 5, closed: false, expiresAt: null, ttlSeconds: null });
    const head = await fetch(stream("pages/b"), { method: "HEAD" });
    expect(b!.nextOffset).toBe(head.headers.get("stream-next-offset"));
    expect(Date.parse(b!.createdAt!)).not.toBeNaN();

    const second = await list(`prefix=pages/&limit=2&cursor=${first.nextCursor}`);
    expect(second.streams.map((s) => s.path)).toEqual(["pages/c"]);
    expect(second.streams[0]!.ttlSeconds).toBe(3600);
    expect(second.nextCursor).toBeNull();
  });

  it("shows a fork's source and a tail that moved after creation", async () => {
    await create("forks/source", "abc");
    await create("forks/child", undefined, { "stream-forked-from": "/v1/stream/forks/source" });
    await eventually(async () => (await list("prefix=forks/")).streams.length === 2, 10_000);
    const page = await list("prefix=forks/");
    const child = page.streams.find((s) => s.path === "forks/child")!;
    expect(child.forkedFrom?.path).toBe("forks/source");
    expect(child.bytes).toBe(3);

    expect(
      (await fetch(stream("forks/source"), { method: "POST", headers: text, body: "defg" })).status,
    ).toBe(204);
    // Appends are reported by the object's alarm a refresh period later.
    await eventually(
      async () => (await list("prefix=forks/source")).streams[0]?.bytes === 7,
      10_000,
    );
  });

  it("leaves deleted streams out, and lists a stream re-created at the same path", async () => {
    await create("gone/one", "1");
    await create("gone/two", "2");
    await eventually(async () => (await list("prefix=gone/")).streams.length === 2, 10_000);
    expect((await fetch(stream("gone/one"), { method: "DELETE" })).status).toBe(204);
    await eventually(async () => paths(await list("prefix=gone/")).join() === "gone/two", 10_000);

    await create("gone/one", "again!");
    await eventually(
      async () =>
        JSON.stringify((await list("prefix=gone/")).streams.map((s) => [s.path, s.bytes])) ===
        JSON.stringify([
          ["gone/one", 6],
          ["gone/two", 1],
        ]),
      10_000,
    );
  });

  it("leaves a stream out once its Stream-Expires-At has passed", async () => {
    const expiresAt = new Date(Date.now() + 3_000).toISOString();
    await create("expiring/soon", "x", { "stream-expires-at": expiresAt });
    await create("expiring/kept");
    await eventually(async () => (await list("prefix=expiring/")).streams.length === 2, 10_000);
    await eventually(async () => (await list("prefix=expiring/")).streams.length === 1, 10_000);
    expect((await list("prefix=expiring/")).streams[0]!.path).toBe("expiring/kept");
    expect((await fetch(stream("expiring/soon"))).status).toBe(404);
  });

  it("never skips or repeats a stream that exists throughout, under concurrent creates and deletes", async () => {
    const stable = Array.from({ length: 30 }, (_, i) => `churn/s${String(i).padStart(2, "0")}`);
    const doomed = Array.from({ length: 15 }, (_, i) => `churn/d${String(i).padStart(2, "0")}`);
    await Promise.all([...stable, ...doomed].map((path) => create(path)));
    await eventually(
      async () => (await list("prefix=churn/&limit=100")).streams.length === 45,
      10_000,
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const query: string = `prefix=churn/&limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const page: Page = await list(query);
      seen.push(...page.streams.map((s) => s.path));
      cursor = page.nextCursor;
      // Between pages: delete some doomed streams, create new ones on both sides of the cursor.
      await Promise.all([
        fetch(stream(doomed[round % doomed.length]!), { method: "DELETE" }),
        create(`churn/a-new${round}`),
        create(`churn/z-new${round}`),
      ]);
      round++;
    } while (cursor !== null);

    const stableSeen = seen.filter((path) => stable.includes(path));
    expect(stableSeen).toEqual(stable);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  }, 30_000);

  it("answers bad queries and other methods like the Node server", async () => {
    const bad = await fetch(`${worker.url}/v1/stream/__ds/streams?limit=0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    const cursor = await fetch(`${worker.url}/v1/stream/__ds/streams?cursor=***`);
    expect(cursor.status).toBe(400);
    const post = await fetch(`${worker.url}/v1/stream/__ds/streams`, { method: "POST" });
    expect(post.status).toBe(405);
  });
});
