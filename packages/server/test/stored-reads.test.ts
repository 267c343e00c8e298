/**
 * Catch-up reads of data that is on disk, not in the hot tail: the response
 * reads its chunks from SQLite as the socket takes them, so a large read is
 * exact, and a reader that stops reading holds the server to a few chunks.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { connect } from "node:net";
import { describe, expect, test } from "vitest";
import { afterTurns } from "../../../test-support/eventually.js";
import type { RunningServer } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const MIB = 1024 * 1024;
const APPENDS = 24;

/** Append `i`: a megabyte whose every byte depends on its append and position. */
function appendBytes(i: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(MIB);
  for (let at = 0; at < MIB; at++) bytes[at] = (i * 31 + at * 7 + (at >> 12)) & 0xff;
  return bytes;
}

describe("catch-up reads from disk", () => {
  const cleanups = testCleanups();

  /** A server whose hot tail is too small to serve these reads, and a filled stream. */
  async function filledStream(): Promise<{ server: RunningServer; url: string; path: string }> {
    const dir = cleanups.tempDir();
    const server = await startTestServer({
      dataDir: dir,
      maxReadBytes: 64 * MIB,
      storage: { tailCacheStreamBytes: 1024, tailCacheBytes: 4096 },
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "big/one");
    const created = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < APPENDS; i++) {
      const appended = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: appendBytes(i),
      });
      expect(appended.status).toBe(204);
    }
    return { server, url, path: new URL(url).pathname };
  }

  test("a read of many megabytes returns every byte in order", async () => {
    const { url } = await filledStream();
    const response = await fetch(`${url}?offset=-1`);
    expect(response.status).toBe(200);
    expect(response.headers.get("stream-up-to-date")).toBe("true");
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.length).toBe(APPENDS * MIB);
    for (let i = 0; i < APPENDS; i++) {
      const expected = appendBytes(i);
      const actual = body.subarray(i * MIB, (i + 1) * MIB);
      expect(Buffer.compare(actual, expected), `append ${i}`).toBe(0);
    }
  });

  test("a reader that stops reading is not sent data loaded after the stream was deleted", async () => {
    const { server, url, path } = await filledStream();
    const port = Number(new URL(server.url).port);
    const socket = connect({ host: "127.0.0.1", port });
    cleanups.defer(() => {
      socket.destroy();
    });
    // The server's side of the read, to see it wait for the socket to drain.
    let response: ServerResponse | undefined;
    server.http.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === "GET") response = res;
    });
    const received: Buffer[] = [];
    socket.on("data", (data: Buffer) => {
      received.push(data);
      // Take the headers and a little data, then stop reading: the socket
      // buffers fill and the server must wait instead of loading the rest.
      if (received.length === 1) socket.pause();
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    socket.write(`GET ${path}?offset=-1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    // The reader has its first bytes and stopped; the server has more than the socket takes.
    await afterTurns(() => received.length > 0 && response?.writableNeedDrain === true);

    const deleted = await fetch(url, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    socket.resume();
    await closed; // the server ends the response it can no longer complete

    const raw = Buffer.concat(received);
    const headerEnd = raw.indexOf("\r\n\r\n");
    const head = raw.subarray(0, headerEnd).toString("latin1");
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head.toLowerCase()).toContain(`content-length: ${APPENDS * MIB}`);
    const body = raw.subarray(headerEnd + 4);
    // Cut short: what did arrive is the stream's own data, in order.
    expect(body.length).toBeLessThan(APPENDS * MIB);
    const whole = Math.floor(body.length / MIB);
    for (let i = 0; i < whole; i++) {
      expect(Buffer.compare(body.subarray(i * MIB, (i + 1) * MIB), appendBytes(i))).toBe(0);
    }
  });
});
