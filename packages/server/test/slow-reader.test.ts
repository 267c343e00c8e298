/**
 * Readers that stop reading: SSE subscribers and catch-up readers whose
 * sockets are never read while tens of MiB are appended. Backpressure keeps
 * the server's memory bounded; the write timeout then resets their
 * connections (their SSE sessions would otherwise run for minutes), and the
 * keep-alive timeout closes the catch-up readers' idle connections. RSS is
 * printed; the test waits on the server-side sockets closing, not on a clock.
 */

import type { Socket } from "node:net";
import { describe, expect, test } from "vitest";
import { openSocket } from "../../../test-support/raw-http.js";
import { startTestServer, streamUrl, suiteServer, testCleanups } from "./helpers.js";

const MIB = 1024 * 1024;
const SSE_READERS = 20;
const CATCH_UP_READERS = 5;
const APPENDS = 30;

const suite = suiteServer({
  sseMaxConnectionMs: 10 * 60_000,
  // Catch-up responses fit in the kernel's buffers and finish: those connections are
  // then idle keep-alive ones, closed by the keep-alive timeout.
  limits: { writeTimeoutMs: 500, keepAliveTimeoutMs: 1000 },
});

describe("readers that never read", () => {
  const cleanups = testCleanups();
  test("are disconnected by the write timeout, with bounded server memory", async () => {
    const { server } = suite;
    const url = streamUrl(server, "slow/feed");
    expect(
      (await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } })).status,
    ).toBe(201);
    // Server-side sockets by the client's port, to see the server close them.
    const serverSide = new Map<number, Socket>();
    server.http.on("connection", (socket: Socket) => serverSide.set(socket.remotePort!, socket));

    const rssBefore = process.memoryUsage().rss;
    const readers: Socket[] = [];
    const open = async (query: string) => {
      const socket = await openSocket(server.url);
      socket.on("error", () => {});
      socket.write(`GET /v1/stream/slow/feed?${query} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause(); // never read: the kernel buffers fill, then the server's queue
      readers.push(socket);
    };
    for (let i = 0; i < SSE_READERS; i++) await open("offset=-1&live=sse");
    const line = `${"x".repeat(1023)}\n`.repeat(MIB / 1024);
    let peakRss = 0;
    for (let i = 0; i < APPENDS; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: line,
      });
      expect(res.status).toBe(204);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (i === 0) for (let j = 0; j < CATCH_UP_READERS; j++) await open("offset=-1");
    }

    const closed = readers.map((client) => {
      const socket = serverSide.get(client.localPort!);
      expect(socket, "server saw the reader's connection").toBeDefined();
      return socket!.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => socket!.once("close", () => resolve()));
    });
    await Promise.all(closed);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      `slow readers: ${SSE_READERS} SSE + ${CATCH_UP_READERS} catch-up readers that never read, ` +
        `${APPENDS} MiB appended: all ${readers.length} closed by the write and keep-alive timeouts; ` +
        `RSS ${(rssBefore / MIB).toFixed(0)} → peak ${(peakRss / MIB).toFixed(0)} MiB`,
    );
    // Without backpressure each reader would queue the whole stream (30 MiB × 25 readers).
    expect(peakRss - rssBefore).toBeLessThan(300 * MIB);
    expect(server.engine.liveReadCount).toBe(0);
    for (const socket of readers) socket.destroy();

    // A reader that reads gets everything.
    const res = await fetch(`${url}?offset=-1`);
    expect(res.status).toBe(200);
  });

  test("a reader that reads slowly through one large write is not cut off", async () => {
    const server = await startTestServer({
      dataDir: cleanups.tempDir(),
      limits: { writeTimeoutMs: 1000 },
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "slow/big");
    const size = 16 * MIB;
    const message = Buffer.alloc(size, "m");
    await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const appended = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: message,
    });
    expect(appended.status).toBe(204);
    // One 16 MiB chunk goes out as one socket write; the client takes it 64 KiB
    // at a time, so no write completes for seconds while the kernel keeps taking bytes.
    const socket = await openSocket(server.url);
    socket.pause();
    socket.write(
      "GET /v1/stream/slow/big?offset=-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let received = 0;
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const pace = setInterval(() => {
      for (let chunk = socket.read(64 * 1024); chunk !== null; chunk = null)
        received += chunk.length;
    }, 10);
    socket.on("end", () => {
      clearInterval(pace);
      for (let chunk = socket.read(); chunk !== null; chunk = socket.read())
        received += chunk.length;
    });
    socket.on("error", () => {});
    await closed;
    clearInterval(pace);
    console.log(`slow but reading: ${(received / MIB).toFixed(1)} MiB received through one write`);
    expect(received).toBeGreaterThan(size);
  });
});
