/** Rate limits per token (or client address without auth): 429 + Retry-After, bounded memory. */

import { request as httpRequest } from "node:http";
import { signStreamToken } from "@durastream/server-core";
import { describe, expect, test } from "vitest";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

const SECRET = "rate-secret";
/** Slow enough that nothing refills while a test runs. */
const ALMOST_NEVER = 0.001;

const tokenFor = async (subject: string) => ({
  authorization: `Bearer ${await signStreamToken(SECRET, {
    paths: ["**"],
    ops: ["admin"],
    ttlSeconds: 600,
    subject,
  })}`,
});

/** A GET from a given local address (127.0.0.x are all loopback). */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("rate limits", () => {
  const cleanups = testCleanups();

  test("per token: one token over its request rate gets 429 + Retry-After, another is unaffected, nothing is written", async () => {
    const server = await startTestServer({
      memory: true,
      secret: SECRET,
      rateLimit: { requestsPerSecond: ALMOST_NEVER, burstRequests: 3 },
    });
    cleanups.defer(() => server.close());
    const a = await tokenFor("a");
    const b = await tokenFor("b");
    const url = streamUrl(server, "rl/1");
    expect((await fetch(url, { method: "PUT", headers: a })).status).toBe(201);
    expect(
      (
        await fetch(url, {
          method: "POST",
          headers: { ...a, "content-type": "application/octet-stream" },
          body: "1",
        })
      ).status,
    ).toBe(204);
    expect((await fetch(url, { method: "HEAD", headers: a })).status).toBe(200);

    const refused = await fetch(url, {
      method: "POST",
      headers: { ...a, "content-type": "application/octet-stream" },
      body: "2",
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");

    const read = await fetch(`${url}?offset=-1`, { headers: b });
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("1");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('durastream_rejected_requests_total{reason="RATE_LIMITED"} 1');
  });

  test("without auth: per client address", async () => {
    const server = await startTestServer({
      memory: true,
      rateLimit: { requestsPerSecond: ALMOST_NEVER, burstRequests: 1 },
    });
    cleanups.defer(() => server.close());
    const url = `${streamUrl(server, "x")}?offset=-1`;
    expect(await getFrom(url, "127.0.0.1")).toBe(404);
    expect(await getFrom(url, "127.0.0.1")).toBe(429);
    expect(await getFrom(url, "127.0.0.2")).toBe(404);
    expect(await getFrom(url, "127.0.0.2")).toBe(429);
  });

  test("byte rate: declared and chunked bodies are charged; the next request waits", async () => {
    const server = await startTestServer({
      memory: true,
      secret: SECRET,
      rateLimit: { bytesPerSecond: ALMOST_NEVER, burstBytes: 10 },
    });
    cleanups.defer(() => server.close());
    const declared = await tokenFor("declared");
    const chunked = await tokenFor("chunked");
    const url = streamUrl(server, "bytes");
    await fetch(url, { method: "PUT", headers: { authorization: `Bearer ${SECRET}` } });
    const octets = { "content-type": "application/octet-stream" };
    // A body larger than the allowance passes while any allowance is left.
    expect(
      (
        await fetch(url, {
          method: "POST",
          headers: { ...declared, ...octets },
          body: "x".repeat(100),
        })
      ).status,
    ).toBe(204);
    const next = await fetch(url, {
      method: "POST",
      headers: { ...declared, ...octets },
      body: "y",
    });
    expect(next.status).toBe(429);
    expect(Number(next.headers.get("retry-after"))).toBeGreaterThan(1);

    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(60));
        controller.enqueue(new Uint8Array(60));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: "POST",
      headers: { ...chunked, ...octets },
      body,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(204);
    expect((await fetch(url, { method: "HEAD", headers: chunked })).status).toBe(429);
  });

  test("the limiter remembers at most maxClients: the oldest client is forgotten", async () => {
    const server = await startTestServer({
      memory: true,
      secret: SECRET,
      rateLimit: { requestsPerSecond: ALMOST_NEVER, burstRequests: 1, maxClients: 1 },
    });
    cleanups.defer(() => server.close());
    const a = await tokenFor("a");
    const b = await tokenFor("b");
    const url = `${streamUrl(server, "m")}?offset=-1`;
    expect((await fetch(url, { headers: a })).status).toBe(404);
    expect((await fetch(url, { headers: a })).status).toBe(429);
    // b takes the only slot; a starts afresh.
    expect((await fetch(url, { headers: b })).status).toBe(404);
    expect((await fetch(url, { headers: a })).status).toBe(404);
  });
});
