/**
 * `createDurableFetch` against a real durastream server with the proxy on
 * and local mock upstreams: the answer streams through, a second call with
 * the same request id resumes it without calling the upstream, network
 * drops mid-read lose and repeat nothing, aborting stops the upstream, and
 * upstream errors come back with the upstream's status.
 */

import { type RunningServer, startServer } from "@durastream/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type MockUpstream,
  sseEvent,
  startMockUpstream,
} from "../../server/test/proxy/mock-upstream.js";
import { createDurableFetch, memoryStorage } from "../src/index.js";

const SECRET = "durable-fetch-suite-secret";
let upstream: MockUpstream;
let server: RunningServer;
let proxyUrl: string;

beforeAll(async () => {
  upstream = await startMockUpstream();
  server = await startServer({
    port: 0,
    memory: true,
    secret: SECRET,
    console: false,
    proxy: { allowlist: [`${upstream.url}/**`], allowLocalhost: true },
  });
  proxyUrl = `${server.url}/v1/proxy`;
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

const expected = (n: number) =>
  `${Array.from({ length: n }, (_, i) => sseEvent(i)).join("")}data: [DONE]\n\n`;

describe("createDurableFetch", () => {
  test("streams the answer, then resumes it by request id without a second upstream call", async () => {
    const storage = memoryStorage();
    const durableFetch = createDurableFetch({ proxyUrl, proxyAuthorization: SECRET, storage });
    const before = upstream.requests.length;
    const res = await durableFetch(`${upstream.url}/sse?n=15&delay=2`, {
      method: "POST",
      headers: { authorization: "Bearer sk-upstream", "content-type": "application/json" },
      body: "{}",
      requestId: "answer-1",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.resumed).toBe(false);
    expect(await res.text()).toBe(expected(15));
    expect(await res.outcome).toBe("complete");
    expect(upstream.requests[before]!.headers.authorization).toBe("Bearer sk-upstream");

    const again = await durableFetch(`${upstream.url}/sse?n=15&delay=2`, {
      method: "POST",
      requestId: "answer-1",
    });
    expect(again.resumed).toBe(true);
    expect(await again.text()).toBe(expected(15));
    expect(upstream.requests.length).toBe(before + 1);
  });

  test("network failures mid-read are retried from the last offset", async () => {
    // Every other long-poll fails, and the upstream writes one part at a time,
    // each only after the reader has the previous one: the read cannot finish
    // without retrying, and each retry must start where the last read ended.
    let polls = 0;
    let failures = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes("live=long-poll") && ++polls % 2 === 1) {
        failures++;
        throw new TypeError("network down");
      }
      return fetch(input, init);
    };
    const response = upstream.controlled("flaky-read");
    const durableFetch = createDurableFetch({ proxyUrl, proxyAuthorization: SECRET, fetch: flaky });
    const res = await durableFetch(`${upstream.url}/controlled/flaky-read`, { method: "POST" });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    for (const part of ["one ", "two ", "three ", "four"]) {
      response.write(part);
      while (!received.endsWith(part)) {
        const { value, done } = await reader.read();
        expect(done).toBe(false);
        received += decoder.decode(value, { stream: true });
      }
    }
    response.end();
    expect((await reader.read()).done).toBe(true);
    expect(received).toBe("one two three four");
    expect(failures).toBeGreaterThanOrEqual(3);
  });

  test("aborting the signal aborts the upstream call", async () => {
    const response = upstream.controlled("client-abort");
    const durableFetch = createDurableFetch({ proxyUrl, proxyAuthorization: SECRET });
    const abort = new AbortController();
    const res = await durableFetch(`${upstream.url}/controlled/client-abort`, {
      method: "POST",
      signal: abort.signal,
    });
    response.write("partial");
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe("partial");
    abort.abort();
    await response.closed;
    await expect(reader.read()).rejects.toThrow();
    const url = new URL(res.streamUrl!);
    // The abort request is sent in the background: wait for the recorded outcome.
    let outcome: string | null = "running";
    for (let i = 0; outcome === "running"; i++) {
      expect(i).toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const head = await fetch(`${url.origin}${url.pathname}`, {
        method: "HEAD",
        headers: { authorization: `Bearer ${SECRET}` },
      });
      outcome = head.headers.get("upstream-outcome");
    }
    expect(outcome).toBe("aborted");
  });

  test("an upstream error comes back with the upstream's status and body", async () => {
    const durableFetch = createDurableFetch({ proxyUrl, proxyAuthorization: SECRET });
    const res = await durableFetch(`${upstream.url}/fail?status=429`, { method: "POST" });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ error: "upstream says no" });
    const refused = await createDurableFetch({ proxyUrl })(`${upstream.url}/sse`);
    expect(refused.status).toBe(401);
  });
});
