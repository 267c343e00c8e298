/**
 * Request bodies in flight share one memory budget, and live reads are
 * capped per stream and in total: beyond either, 503 with `Retry-After`
 * and a JSON error, and nothing stored changes.
 */

import type { Socket } from "node:net";
import { describe, expect, test } from "vitest";
import { afterTurns } from "../../../test-support/eventually.js";
import { jsonErrorCode, openSocket, rawExchange } from "../../../test-support/raw-http.js";
import { readAll, streamUrl, suiteServer } from "./helpers.js";

const KIB = 1024;
const suite = suiteServer({
  maxBodyBytes: 256 * KIB,
  limits: { bodyBudgetBytes: 256 * KIB, maxLiveReaders: 3, maxLiveReadersPerStream: 2 },
});
const text = { "content-type": "text/plain" };

/** Sends the head of a POST with `Expect: 100-continue`; resolves once the server took it up. */
async function startUpload(path: string, length: number): Promise<Socket> {
  const socket = await openSocket(suite.server.url);
  const continued = new Promise<void>((resolve, reject) => {
    socket.once("data", (data: Buffer) => {
      if (data.toString("latin1").startsWith("HTTP/1.1 100")) resolve();
      else reject(new Error(`expected 100 Continue, got ${data.toString("latin1", 0, 40)}`));
    });
  });
  socket.write(
    `POST /v1/stream/${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await continued;
  return socket;
}

/** Sends the rest of an upload and reads its status line. */
function finishUpload(socket: Socket, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("data", (data: Buffer) => {
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data.toString("latin1"))?.[1]));
      socket.destroy();
    });
    socket.once("error", reject);
    socket.write(body);
  });
}

describe("global request-body budget", () => {
  test("a body that does not fit beside one in flight gets 503 + Retry-After, and fits after", async () => {
    const url = streamUrl(suite.server, "budget/a");
    expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    const big = Buffer.alloc(200 * KIB, "b");
    const upload = await startUpload("budget/a", big.length);

    const refused = await fetch(url, {
      method: "POST",
      headers: text,
      body: "c".repeat(100 * KIB),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("OVERLOADED");

    // Chunked bodies are counted as they arrive.
    const chunk = "d".repeat(30 * KIB);
    const chunked = await rawExchange(
      suite.server.url,
      "POST /v1/stream/budget/a HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" +
        `Transfer-Encoding: chunked\r\n\r\n${`${(30 * KIB).toString(16)}\r\n${chunk}\r\n`.repeat(3)}0\r\n\r\n`,
    );
    expect(chunked.response?.status).toBe(503);
    expect(jsonErrorCode(chunked.response!)).toBe("OVERLOADED");

    expect(await finishUpload(upload, big)).toBe(204);
    const retried = await fetch(url, {
      method: "POST",
      headers: text,
      body: "c".repeat(100 * KIB),
    });
    expect(retried.status).toBe(204);
    const { body } = await readAll(url);
    expect(body.length).toBe(big.length + 100 * KIB);
  });

  test("a body over the size limit still gets 413, not 503", async () => {
    const url = streamUrl(suite.server, "budget/b");
    await fetch(url, { method: "PUT", headers: text });
    const res = await fetch(url, {
      method: "POST",
      headers: text,
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(64 * KIB));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe("Expect: 100-continue", () => {
  test("an upload refused before its body is read is never asked for it", async () => {
    // The body is never sent: the first answer must be final, not 100 Continue.
    const head = (path: string, length: number) =>
      `POST /v1/stream/${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;
    const missing = await rawExchange(suite.server.url, head("budget/missing", 1000));
    expect(missing.response?.status).toBe(404);
    expect(missing.interim).toEqual([]);

    await fetch(streamUrl(suite.server, "budget/c"), { method: "PUT", headers: text });
    const upload = await startUpload("budget/c", 200 * KIB);
    const refused = await rawExchange(suite.server.url, head("budget/c", 100 * KIB));
    expect(refused.response?.status).toBe(503);
    expect(jsonErrorCode(refused.response!)).toBe("OVERLOADED");
    expect(refused.interim).toEqual([]);
    expect(await finishUpload(upload, Buffer.alloc(200 * KIB, "u"))).toBe(204);
  });
});

describe("live reader caps", () => {
  test("per stream and in total: 503 + Retry-After beyond, admitted again once readers leave", async () => {
    for (const path of ["live/a", "live/b", "live/c"]) {
      await fetch(streamUrl(suite.server, path), { method: "PUT", headers: text });
    }
    const poll = (path: string) =>
      fetch(`${streamUrl(suite.server, path)}?offset=now&live=long-poll`);
    const sse = (path: string) => fetch(`${streamUrl(suite.server, path)}?offset=now&live=sse`);
    const a1 = poll("live/a");
    const a2 = sse("live/a");
    const a2Response = await a2;
    expect(a2Response.status).toBe(200);

    const overStream = await poll("live/a");
    expect(overStream.status).toBe(503);
    expect(overStream.headers.get("retry-after")).toBe("1");
    expect(((await overStream.json()) as { error: { code: string } }).error.code).toBe(
      "OVERLOADED",
    );

    const b1 = poll("live/b");
    // Catch-up reads are not live reads: never capped.
    expect((await fetch(`${streamUrl(suite.server, "live/b")}?offset=-1`)).status).toBe(200);
    const overTotal = await sse("live/c");
    expect(overTotal.status).toBe(503);
    await overTotal.body?.cancel();

    // Data ends the long-polls; cancelling ends the SSE read: all three leave.
    await fetch(streamUrl(suite.server, "live/a"), { method: "POST", headers: text, body: "x" });
    await fetch(streamUrl(suite.server, "live/b"), { method: "POST", headers: text, body: "y" });
    expect((await a1).status).toBe(200);
    expect((await b1).status).toBe(200);
    await a2Response.body!.cancel();
    await afterTurns(() => suite.server.engine.liveReadCount === 0);

    await fetch(streamUrl(suite.server, "live/c"), { method: "POST", headers: text, body: "z" });
    const again = await fetch(`${streamUrl(suite.server, "live/c")}?offset=-1&live=long-poll`);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe("z");
  });
});
