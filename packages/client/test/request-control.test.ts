/**
 * Headers, retries driven by error handlers, signals and timeouts, through
 * the fault proxy against both servers: a header's spelling never makes it
 * be sent twice, an `onError` that keeps asking for retries is paced, the
 * handle's signal stops its producers, a server that never answers cannot
 * hold a request forever, and a producer can refresh an expired token.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DurableStream,
  FetchError,
  IdempotentProducer,
  RequestTimeoutError,
  stream,
} from "../src/index.js";
import { type Fault, startFaultProxy } from "./support/fault-proxy.js";
import { eventually, type RunningServer, servers, streamUrl } from "./support/servers.js";

const fast = { initialDelay: 5, maxDelay: 50, multiplier: 1.5 };

/** A promise with its resolve function at hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe.each(servers)("request control against $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A JSON stream holding `items`, and its URL through `proxyUrl`. */
  async function jsonStream(proxyUrl: string, items: unknown[] = []) {
    const url = streamUrl(server);
    const handle = await DurableStream.create({ url, contentType: "application/json" });
    for (const item of items) await handle.append(item);
    return { url, proxied: proxyUrl + new URL(url).pathname };
  }

  describe("header names merge case-insensitively", () => {
    const onlyGood = (req: { headers: Record<string, unknown> }): Fault =>
      req.headers.authorization === "Bearer GOOD"
        ? { kind: "pass" }
        : { kind: "status", status: 401 };

    it("a call's Authorization replaces the handle's authorization", async () => {
      const proxy = await startFaultProxy(server.url, onlyGood);
      try {
        const { proxied } = await jsonStream(proxy.url, [{ n: 1 }]);
        const handle = new DurableStream({
          url: proxied,
          headers: { authorization: "Bearer OLD" },
        });
        const res = await handle.stream({
          live: false,
          headers: { Authorization: "Bearer GOOD" },
        });
        expect(await res.json()).toEqual([{ n: 1 }]);
      } finally {
        await proxy.close();
      }
    });

    it("headers returned by onError replace the session's, whatever their case", async () => {
      const proxy = await startFaultProxy(server.url, onlyGood);
      try {
        const { proxied } = await jsonStream(proxy.url, [{ n: 1 }]);
        let consulted = 0;
        const res = await stream({
          url: proxied,
          live: false,
          headers: { authorization: "Bearer OLD" },
          onError: () =>
            consulted++ < 3 ? { headers: { Authorization: "Bearer GOOD" } } : undefined,
        });
        expect(await res.json()).toEqual([{ n: 1 }]);
        expect(consulted).toBe(1);
      } finally {
        await proxy.close();
      }
    });

    it("a handle's Content-Type does not double the one append() sets", async () => {
      const proxy = await startFaultProxy(server.url, () => ({ kind: "pass" }));
      try {
        const { url, proxied } = await jsonStream(proxy.url);
        const handle = new DurableStream({
          url: proxied,
          contentType: "application/json",
          headers: { "Content-Type": "application/json" },
        });
        await handle.append({ n: 1 });
        expect(await (await stream({ url, live: false })).json()).toEqual([{ n: 1 }]);
      } finally {
        await proxy.close();
      }
    });
  });

  it("retries onError asks for are spaced out after the first two", async () => {
    const proxy = await startFaultProxy(server.url, () => ({ kind: "status", status: 401 }));
    try {
      const { proxied } = await jsonStream(proxy.url);
      const consultedAt: number[] = [];
      const error = await stream({
        url: proxied,
        live: false,
        backoffOptions: { initialDelay: 100, maxDelay: 100, multiplier: 1 },
        onError: () => {
          consultedAt.push(performance.now());
          // A handler that always has "new" credentials for a persistent 401.
          return consultedAt.length < 6 ? { headers: { authorization: "Bearer x" } } : undefined;
        },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 401 });
      expect(proxy.log).toHaveLength(6); // one request per consultation, no storm in between
      // Two immediate retries, then three spaced by at least half of the 100 ms backoff each.
      // (a little slack: timers may fire a fraction of a millisecond early by performance.now())
      expect(consultedAt[5]! - consultedAt[2]!).toBeGreaterThanOrEqual(140);
    } finally {
      await proxy.close();
    }
  });

  it("an IdempotentProducer stops when the handle's signal fires", async () => {
    const release = deferred();
    const proxy = await startFaultProxy(
      server.url,
      (req): Fault =>
        req.method === "POST" ? { kind: "delay", ms: 0, until: release.promise } : { kind: "pass" },
    );
    try {
      const { proxied } = await jsonStream(proxy.url);
      const controller = new AbortController();
      const handle = new DurableStream({
        url: proxied,
        contentType: "application/json",
        signal: controller.signal,
      });
      const errors: Error[] = [];
      const producer = new IdempotentProducer(handle, "signalled", {
        onError: (e) => errors.push(e),
      });
      producer.append("1");
      const flushed = producer.flush();
      await eventually(() => proxy.log.some((l) => l.method === "POST"));
      controller.abort();
      await expect(flushed).rejects.toMatchObject({ code: "ALREADY_CLOSED" });
      await expect(producer.flush()).rejects.toMatchObject({ code: "ALREADY_CLOSED" });
      expect(() => producer.append("2")).toThrow();
      expect(errors).toHaveLength(1);
      expect(producer.unsentMessages()).toEqual(["1"]);
    } finally {
      release.resolve();
      await proxy.close();
    }
  }, 10_000);

  describe("requestTimeoutMs", () => {
    /** A proxy that holds the answer to the first `method` request (upstream handles it) until released. */
    async function holdFirst(method: string) {
      const release = deferred();
      let held = false;
      const proxy = await startFaultProxy(server.url, (req): Fault => {
        if (req.method !== method || held) return { kind: "pass" };
        held = true;
        return { kind: "delay", ms: 0, until: release.promise };
      });
      return {
        proxy,
        async close() {
          release.resolve();
          await proxy.close();
        },
      };
    }

    it("a plain append() rejects when no answer comes (it may have been stored)", async () => {
      const held = await holdFirst("POST");
      try {
        const { proxied } = await jsonStream(held.proxy.url);
        const handle = new DurableStream({
          url: proxied,
          contentType: "application/json",
          requestTimeoutMs: 300,
        });
        const error = await handle.append({ n: 1 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FetchError);
        expect((error as FetchError).cause).toBeInstanceOf(RequestTimeoutError);
        // The timeout ended that request only: the next append goes through.
        await handle.append({ n: 2 });
      } finally {
        await held.close();
      }
    }, 10_000);

    it("a producer resends a request that got no answer, and it is stored once", async () => {
      const held = await holdFirst("POST");
      try {
        const { url, proxied } = await jsonStream(held.proxy.url);
        const handle = new DurableStream({
          url: proxied,
          contentType: "application/json",
          requestTimeoutMs: 300,
        });
        const producer = new IdempotentProducer(handle, "timed", { backoffOptions: fast });
        producer.append(JSON.stringify({ n: 1 }));
        await producer.flush();
        expect(held.proxy.log.filter((l) => l.method === "POST").length).toBeGreaterThan(1);
        expect(await (await stream({ url, live: false })).json()).toEqual([{ n: 1 }]);
      } finally {
        await held.close();
      }
    }, 10_000);

    it("a read whose first request gets no answer retries and resolves", async () => {
      const held = await holdFirst("GET");
      try {
        const { proxied } = await jsonStream(held.proxy.url, [{ n: 1 }]);
        const res = await stream({
          url: proxied,
          live: false,
          requestTimeoutMs: 300,
          backoffOptions: fast,
        });
        expect(await res.json()).toEqual([{ n: 1 }]);
        expect(held.proxy.log.filter((l) => l.method === "GET").length).toBeGreaterThan(1);
      } finally {
        await held.close();
      }
    }, 10_000);
  });

  it("a producer refreshes an expired token through onRequestError", async () => {
    let valid = "Bearer t1";
    const proxy = await startFaultProxy(
      server.url,
      (req): Fault =>
        req.method === "POST" && req.headers.authorization !== valid
          ? { kind: "status", status: 401 }
          : { kind: "pass" },
    );
    try {
      const { url, proxied } = await jsonStream(proxy.url);
      const handle = new DurableStream({ url: proxied, contentType: "application/json" });
      const refreshed: Error[] = [];
      const errors: Error[] = [];
      const producer = new IdempotentProducer(handle, "refreshing", {
        headers: { Authorization: "Bearer t1" },
        onError: (e) => errors.push(e),
        onRequestError: (error) => {
          refreshed.push(error);
          return error instanceof FetchError && error.status === 401
            ? { headers: { authorization: "Bearer t2" } }
            : undefined;
        },
      });
      producer.append(JSON.stringify({ n: 1 }));
      await producer.flush();
      valid = "Bearer t2"; // the token expires
      producer.append(JSON.stringify({ n: 2 }));
      await producer.flush();
      expect(errors).toEqual([]);
      expect(refreshed).toHaveLength(1);
      expect(await (await stream({ url, live: false })).json()).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      await proxy.close();
    }
  });
});
