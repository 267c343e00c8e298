/**
 * Forks on the durable store: no data is copied, chains stitch byte-exact
 * across restarts, and deleting a whole tree in any order leaves no rows.
 */

import { describe, expect, test } from "vitest";
import type { RunningServer, SqliteStore } from "../src/index.js";
import { readAll, startTestServer, streamUrl, testCleanups } from "./helpers.js";

const octet = { "content-type": "application/octet-stream" };

function rows(server: RunningServer): {
  streams: number;
  chunks: number;
  chunkBytes: number;
  producers: number;
} {
  const db = (server.store as SqliteStore).db;
  const count = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
  return {
    streams: count("SELECT COUNT(*) AS n FROM streams"),
    chunks: count("SELECT COUNT(*) AS n FROM chunks"),
    chunkBytes: count("SELECT SUM(length(data)) AS n FROM chunks"),
    producers: count("SELECT COUNT(*) AS n FROM producers"),
  };
}

async function put(
  url: string,
  headers: Record<string, string>,
  body?: BodyInit,
): Promise<Response> {
  return fetch(url, { method: "PUT", headers, body: body ?? null });
}

describe("forks on SQLite", () => {
  const cleanups = testCleanups();

  async function server(dir?: string): Promise<RunningServer> {
    let dataDir = dir;
    if (!dataDir) {
      dataDir = cleanups.tempDir();
    }
    const running = await startTestServer({ dataDir });
    cleanups.defer(() => running.close());
    return running;
  }

  test("forking costs metadata only: no byte of the source is copied", async () => {
    const s = await server();
    const source = new Uint8Array(new ArrayBuffer(1024 * 1024)).map((_, i) => i % 251);
    expect((await put(streamUrl(s, "big"), octet, source)).status).toBe(201);
    const before = rows(s);
    for (let i = 0; i < 10; i++) {
      const res = await put(streamUrl(s, `big-fork-${i}`), {
        ...octet,
        "stream-forked-from": "/v1/stream/big",
      });
      expect(res.status).toBe(201);
    }
    const after = rows(s);
    expect(after.chunkBytes).toBe(before.chunkBytes);
    expect(after.chunks).toBe(before.chunks);
    expect(after.streams).toBe(before.streams + 10);
    const fork = await readAll(streamUrl(s, "big-fork-7"));
    expect(Buffer.from(fork.body).equals(Buffer.from(source))).toBe(true);
  });

  test("a 5-level fork chain reads byte-exact after a restart", async () => {
    const dir = cleanups.tempDir();
    let s = await startTestServer({ dataDir: dir });
    const enc = new TextEncoder();
    const text = { "content-type": "text/plain" };
    const created = await put(streamUrl(s, "chain/0"), text, enc.encode("root-0|"));
    expect(created.status).toBe(201);
    // Each level forks two bytes into its parent's last append (a sub-offset), then appends.
    let lastAppendOffset = created.headers.get("stream-next-offset")!;
    let lastAppend = "root-1|";
    await fetch(streamUrl(s, "chain/0"), {
      method: "POST",
      headers: text,
      body: enc.encode(lastAppend),
    });
    let expected = `root-0|${lastAppend}`;
    for (let level = 1; level <= 5; level++) {
      const res = await put(streamUrl(s, `chain/${level}`), {
        ...text,
        "stream-forked-from": `/v1/stream/chain/${level - 1}`,
        "stream-fork-offset": lastAppendOffset,
        "stream-fork-sub-offset": "2",
      });
      expect(res.status).toBe(201);
      expected = expected.slice(0, expected.length - lastAppend.length + 2);
      lastAppendOffset = res.headers.get("stream-next-offset")!;
      lastAppend = `L${level}|`;
      await fetch(streamUrl(s, `chain/${level}`), {
        method: "POST",
        headers: text,
        body: enc.encode(lastAppend),
      });
      expected += lastAppend;
      expect(new TextDecoder().decode((await readAll(streamUrl(s, `chain/${level}`))).body)).toBe(
        expected,
      );
    }
    expect(expected).toBe("root-0|roL1L2L3L4L5|");
    await s.close();

    s = await startTestServer({ dataDir: dir });
    try {
      expect(new TextDecoder().decode((await readAll(streamUrl(s, "chain/5"))).body)).toBe(
        expected,
      );
    } finally {
      await s.close();
    }
  });

  const tree = ["root", "a", "b", "a1", "a2", "b1"] as const;
  const parentOf: Record<string, string> = { a: "root", b: "root", a1: "a", a2: "a", b1: "b" };
  const orders = [
    ["root", "a", "b", "a1", "a2", "b1"],
    ["b1", "a2", "a1", "b", "a", "root"],
    ["a", "root", "b1", "a1", "b", "a2"],
    ["a1", "root", "a2", "b", "b1", "a"],
  ];

  test.each(orders)("deleting a fork tree in order %s leaves no rows", async (...order) => {
    const s = await server();
    const enc = new TextEncoder();
    await put(streamUrl(s, "t/root"), { "content-type": "text/plain" }, enc.encode("root data "));
    for (const name of tree.slice(1)) {
      const res = await put(streamUrl(s, `t/${name}`), {
        "content-type": "text/plain",
        "stream-forked-from": `/v1/stream/t/${parentOf[name]}`,
      });
      expect(res.status).toBe(201);
      await fetch(streamUrl(s, `t/${name}`), {
        method: "POST",
        headers: {
          "content-type": "text/plain",
          "producer-id": "p",
          "producer-epoch": "0",
          "producer-seq": "0",
        },
        body: enc.encode(`${name} data `),
      });
    }
    const deleted = new Set<string>();
    for (const name of order) {
      expect((await fetch(streamUrl(s, `t/${name}`), { method: "DELETE" })).status).toBe(204);
      deleted.add(name);
      expect((await fetch(streamUrl(s, `t/${name}`), { method: "HEAD" })).status).toBeOneOf([
        404, 410,
      ]);
      // Every surviving stream still reads its whole history.
      for (const other of tree) {
        if (deleted.has(other)) continue;
        let want = "";
        for (let n: string | undefined = other; n; n = parentOf[n]) want = `${n} data ${want}`;
        const text = new TextDecoder().decode((await readAll(streamUrl(s, `t/${other}`))).body);
        expect(text).toBe(want);
      }
    }
    expect(rows(s)).toEqual({ streams: 0, chunks: 0, chunkBytes: 0, producers: 0 });
  });

  test("a soft-deleted source is 410 and blocks re-creation until its last fork goes", async () => {
    const s = await server();
    await put(
      streamUrl(s, "sd/src"),
      { "content-type": "text/plain" },
      new TextEncoder().encode("abc"),
    );
    await put(streamUrl(s, "sd/fork"), {
      "content-type": "text/plain",
      "stream-forked-from": "/v1/stream/sd/src",
    });
    expect((await fetch(streamUrl(s, "sd/src"), { method: "DELETE" })).status).toBe(204);
    for (const method of ["GET", "HEAD", "DELETE"]) {
      expect((await fetch(streamUrl(s, "sd/src"), { method })).status).toBe(410);
    }
    expect((await put(streamUrl(s, "sd/src"), { "content-type": "text/plain" })).status).toBe(409);
    expect(new TextDecoder().decode((await readAll(streamUrl(s, "sd/fork"))).body)).toBe("abc");
    expect((await fetch(streamUrl(s, "sd/fork"), { method: "DELETE" })).status).toBe(204);
    expect((await fetch(streamUrl(s, "sd/src"), { method: "HEAD" })).status).toBe(404);
    expect((await put(streamUrl(s, "sd/src"), { "content-type": "text/plain" })).status).toBe(201);
  });

  test("Stream-Forked-From names the source as a percent-encoded URL path", async () => {
    const s = await server();
    const encoded = `enc/${encodeURIComponent("söurce 1")}`;
    await put(
      streamUrl(s, encoded),
      { "content-type": "text/plain" },
      new TextEncoder().encode("xyz"),
    );
    const forked = await put(streamUrl(s, "enc/fork"), {
      "content-type": "text/plain",
      "stream-forked-from": `/v1/stream/${encoded}`,
    });
    expect(forked.status).toBe(201);
    expect(new TextDecoder().decode((await readAll(streamUrl(s, "enc/fork"))).body)).toBe("xyz");
    const malformed = await put(streamUrl(s, "enc/bad"), {
      "content-type": "text/plain",
      "stream-forked-from": "/v1/stream/enc/%E0%A4%A",
    });
    expect(malformed.status).toBe(400);
  });
});
