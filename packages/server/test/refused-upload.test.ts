/**
 * An upload refused while its client is still sending (503 over the body
 * budget, 404, 413 by its declared length) is answered in a way an ordinary
 * client reads: the server drains up to `--max-drain-bytes` of the body
 * before it closes, rather than closing under the client's writes (which
 * gave the client EPIPE instead of the answer). Plain Node `fetch`, no
 * `Expect: 100-continue` (that case is refused before the body is sent,
 * `admission.test.ts`).
 */

import { request } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openSocket, rawExchange } from "../../../test-support/raw-http.js";
import { type ChildServer, spawnServer, streamUrl, tempDir } from "./helpers.js";

const MIB = 1024 * 1024;
// A server process of its own: in the test's process the client's writes and
// the server's close share one event loop, and the reset never shows.
const suite = {} as { server: ChildServer };
const data = tempDir();
beforeAll(async () => {
  // The defaults: 64 MiB bodies, a 128 MiB budget; 64 MiB drained at most.
  suite.server = await spawnServer(["--data-dir", data.dir]);
});
afterAll(async () => {
  suite.server.process.kill("SIGTERM");
  await suite.server.exited;
  data.cleanup();
});
const text = { "content-type": "text/plain" };

/** A body of `chunks` × 256 KiB, produced as the client sends it (it is still sending when refused). */
function pacedBody(chunks: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      controller.enqueue(new Uint8Array(256 * 1024).fill(98));
      if (++sent === chunks) controller.close();
    },
  });
}

/** A node:http POST with `Content-Length` of `chunks` × 256 KiB, written as the socket takes it. */
function pacedHttpPost(url: string, chunks: number): Promise<string> {
  return new Promise((resolve) => {
    const chunk = new Uint8Array(256 * 1024).fill(99);
    const req = request(url, {
      method: "POST",
      headers: { ...text, "content-length": chunks * chunk.length },
    });
    req.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => {
        const json = JSON.parse(Buffer.concat(parts).toString()) as { error: { code: string } };
        resolve(`${res.statusCode} ${json.error.code}`);
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(`rejected: ${error.code}`));
    let written = 0;
    const next = () => {
      if (written === chunks) return void req.end();
      written++;
      if (req.write(chunk)) setTimeout(next, 2);
      else req.once("drain", next);
    };
    next();
  });
}

/** Holds `length` bytes of the body budget: an upload whose body is never sent. */
async function holdBudget(url: string, path: string, length: number): Promise<Socket> {
  const socket = await openSocket(url);
  const continued = new Promise<void>((resolve) => socket.once("data", () => resolve()));
  socket.on("error", () => {});
  socket.write(
    `POST /v1/stream/${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await continued;
  return socket;
}

describe("uploads refused while the client still sends", () => {
  test("fetch and node:http read the 503 of uploads refused over the body budget, 16 MiB still to send", async () => {
    const url = streamUrl(suite.server, "refused/paced");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    // Two uploads that never send their bodies hold the whole 128 MiB budget.
    const holders = [
      await holdBudget(suite.server.url, "refused/paced", 64 * MIB),
      await holdBudget(suite.server.url, "refused/paced", 64 * MIB),
    ];
    try {
      // Chunked: refused by the engine at its first chunk.
      const res = await fetch(url, {
        method: "POST",
        headers: text,
        body: pacedBody(64),
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("OVERLOADED");
      // A declared length: refused on admission, before the engine runs.
      expect(await pacedHttpPost(url, 64)).toBe("503 OVERLOADED");
    } finally {
      for (const holder of holders) holder.destroy();
    }
    expect((await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(
      "0000000000000000_0000000000000000",
    );
  }, 60_000);

  test("node:http reads the 404 of a 16 MiB upload to a missing stream", async () => {
    expect(await pacedHttpPost(streamUrl(suite.server, "refused/missing"), 64)).toBe(
      "404 STREAM_NOT_FOUND",
    );
  }, 60_000);

  test("a refused body declared larger than --max-drain-bytes is not received: closed after the answer", async () => {
    const { response } = await rawExchange(
      suite.server.url,
      "POST /v1/stream/refused/missing HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" +
        `Content-Length: ${65 * MIB}\r\n\r\nxyz`,
    );
    expect(response?.status).toBe(404);
    expect(response?.headers.connection).toBe("close");
  });
});
