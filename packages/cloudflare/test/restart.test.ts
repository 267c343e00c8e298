/**
 * Acknowledged state survives a restart of workerd: data, closure and
 * producer state are read back from the objects' SQLite files by a fresh
 * Miniflare on the same persistence directory.
 */

import { afterEach, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(persistTo: string): Promise<LocalWorker> {
  const worker = await startLocalWorker({ port: 0, persistTo });
  cleanups.push(() => worker.close());
  return worker;
}

function producer(id: string, epoch: number, seq: number): Record<string, string> {
  return {
    "content-type": "application/json",
    "producer-id": id,
    "producer-epoch": String(epoch),
    "producer-seq": String(seq),
  };
}

describe("Cloudflare Worker: restart with the same persistence directory", () => {
  it("keeps data, closure and producer state", async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const first = await start(temp.dir);
    const log = `${first.url}/v1/stream/restart/log`;
    const closed = `${first.url}/v1/stream/restart/closed`;
    const json = { "content-type": "application/json" };
    expect((await fetch(log, { method: "PUT", headers: json })).status).toBe(201);
    for (let seq = 0; seq < 3; seq++) {
      const res = await fetch(log, {
        method: "POST",
        headers: producer("writer", 2, seq),
        body: JSON.stringify({ seq }),
      });
      expect(res.status).toBe(200);
    }
    expect(
      (await fetch(closed, { method: "PUT", headers: { "content-type": "text/plain" } })).status,
    ).toBe(201);
    const close = await fetch(closed, {
      method: "POST",
      headers: { "content-type": "text/plain", "stream-closed": "true" },
      body: "last words",
    });
    expect(close.status).toBe(204);
    const tail = (await fetch(`${log}?offset=-1`)).headers.get("stream-next-offset");
    await first.close();

    const second = await start(temp.dir);
    const log2 = `${second.url}/v1/stream/restart/log`;
    const closed2 = `${second.url}/v1/stream/restart/closed`;

    const read = await fetch(`${log2}?offset=-1`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual([{ seq: 0 }, { seq: 1 }, { seq: 2 }]);
    expect(read.headers.get("stream-next-offset")).toBe(tail);

    // The producer's state came back: a retry is a duplicate, a skipped seq a gap,
    // an older epoch is fenced.
    const retry = await fetch(log2, {
      method: "POST",
      headers: producer("writer", 2, 2),
      body: JSON.stringify({ seq: 2 }),
    });
    expect(retry.status).toBe(204);
    const gap = await fetch(log2, {
      method: "POST",
      headers: producer("writer", 2, 5),
      body: JSON.stringify({ seq: 5 }),
    });
    expect(gap.status).toBe(409);
    expect(gap.headers.get("producer-expected-seq")).toBe("3");
    const stale = await fetch(log2, {
      method: "POST",
      headers: producer("writer", 1, 0),
      body: JSON.stringify({ seq: 0 }),
    });
    expect(stale.status).toBe(403);

    // Closure came back: the data reads with EOF, appends are refused.
    const closedRead = await fetch(`${closed2}?offset=-1`);
    expect(await closedRead.text()).toBe("last words");
    expect(closedRead.headers.get("stream-closed")).toBe("true");
    const late = await fetch(closed2, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "too late",
    });
    expect(late.status).toBe(409);
  }, 60_000);

  it("keeps a sliding TTL's window: frequent reads before the restart still count after it", async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const first = await start(temp.dir);
    const url = `${first.url}/v1/stream/restart/ttl`;
    const created = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "text/plain", "stream-ttl": "5" },
      body: "alive",
    });
    expect(created.status).toBe(201);
    // Reads closer together than the store's once-a-second write of the last
    // access, for longer than the TTL: only the reads keep the stream alive.
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      expect((await fetch(`${url}?offset=-1`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await first.close();

    const second = await start(temp.dir);
    const head = await fetch(`${second.url}/v1/stream/restart/ttl`, { method: "HEAD" });
    expect(head.status).toBe(200);
  }, 60_000);
});
