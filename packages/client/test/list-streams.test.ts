/** `listStreams()` against a real durastream server (and the official one, which lacks listing). */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "@durastream/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  DurableStream,
  DurableStreamError,
  listStreams,
  type StreamListingPage,
} from "../src/index.js";
import { officialServer, type RunningServer } from "./support/servers.js";

describe("listStreams", () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let dataDir: string;
  let root: string;
  const secret = "list-s3cret";

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "durastream-list-"));
    server = await startServer({ port: 0, host: "127.0.0.1", dataDir, secret });
    root = `${server.url}/v1/stream`;
    for (let i = 0; i < 25; i++) {
      await DurableStream.create({
        url: `${root}/room/${String(i).padStart(2, "0")}`,
        contentType: "text/plain",
        headers: { authorization: `Bearer ${secret}` },
      });
    }
    await DurableStream.create({
      url: `${root}/other`,
      contentType: "application/json",
      headers: { authorization: `Bearer ${secret}` },
    });
  });

  afterAll(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("yields pages until the last, in path order, filtered by prefix", async () => {
    const sizes: number[] = [];
    const paths: string[] = [];
    for await (const page of listStreams({
      url: root,
      prefix: "room/",
      limit: 10,
      headers: { authorization: async () => `Bearer ${secret}` },
    })) {
      sizes.push(page.streams.length);
      paths.push(...page.streams.map((s) => s.path));
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(paths).toEqual(
      Array.from({ length: 25 }, (_, i) => `room/${String(i).padStart(2, "0")}`),
    );
  });

  test("resumes from a cursor and reports stream metadata", async () => {
    const pages = listStreams({
      url: `${root}/`,
      limit: 25,
      headers: { authorization: `Bearer ${secret}` },
    });
    const first = (await pages.next()).value as StreamListingPage;
    expect(first.streams[0]?.path).toBe("other");
    expect(first.streams[0]).toMatchObject({
      contentType: "application/json",
      bytes: 0,
      closed: false,
    });
    const rest = listStreams({
      url: root,
      cursor: first.nextCursor!,
      headers: { authorization: `Bearer ${secret}` },
    });
    const second = (await rest.next()).value as StreamListingPage;
    expect(second.streams.map((s) => s.path)).toEqual(["room/24"]);
    expect(second.nextCursor).toBeNull();
  });

  test("HTTP failures throw DurableStreamError with the status", async () => {
    const error = await listStreams({ url: root })
      .next()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DurableStreamError);
    expect((error as DurableStreamError).status).toBe(401);
  });

  test("a server without the extension answers 404", async () => {
    const official: RunningServer = await officialServer.start();
    try {
      const error = await listStreams({ url: `${official.url}/v1/stream` })
        .next()
        .catch((e: unknown) => e);
      expect((error as DurableStreamError).status).toBe(404);
    } finally {
      await official.close();
    }
  });
});
