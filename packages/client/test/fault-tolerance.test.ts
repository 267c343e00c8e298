/**
 * Fault tests: the client talks to a real server through a loopback proxy
 * that returns 503s, drops connections (before and after the server handled
 * the request), cuts response bodies mid-stream and delays them. Whatever
 * happens, every item arrives exactly once, in order.
 */

import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, FetchError, IdempotentProducer, stream } from "../src/index.js";
import { type Fault, startFaultProxy } from "./support/fault-proxy.js";
import { eventually, type RunningServer, servers, streamUrl } from "./support/servers.js";

const fast = { initialDelay: 5, maxDelay: 50, multiplier: 1.5 };

/** A promise with its resolve function at hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function live(req: IncomingMessage): string | null {
  return new URL(req.url ?? "/", "http://x").searchParams.get("live");
}

describe.each(servers)("faults against $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Same path on the proxy as on the server. */
  function viaProxy(proxyUrl: string, url: string): string {
    return proxyUrl + new URL(url).pathname;
  }

  /** A new JSON stream, created directly, and a handle that reaches it through the proxy. */
  async function jsonStreamBehind(
    proxyUrl: string,
    options: { backoffOptions?: typeof fast; fetch?: typeof globalThis.fetch } = {},
  ): Promise<{ url: string; handle: DurableStream }> {
    const url = streamUrl(server);
    await DurableStream.create({ url, contentType: "application/json" });
    const handle = new DurableStream({
      url: viaProxy(proxyUrl, url),
      contentType: "application/json",
      ...options,
    });
    return { url, handle };
  }

  it("IdempotentProducer: 503s, lost responses and dropped connections neither lose nor duplicate", async () => {
    // Each batch meets a fault on its first attempts (which one depends on its
    // sequence number); retries then pass, so failures are bounded.
    const attempts = new Map<string, number>();
    const schedule: Fault[] = [
      { kind: "status", status: 503, retryAfter: "0" },
      { kind: "drop-after" },
      { kind: "drop-before" },
      { kind: "delay", ms: 15 },
      { kind: "pass" },
    ];
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      if (req.method !== "POST") return { kind: "pass" };
      const key = `${req.headers["producer-epoch"]}/${req.headers["producer-seq"]}`;
      const attempt = attempts.get(key) ?? 0;
      attempts.set(key, attempt + 1);
      const seq = Number(req.headers["producer-seq"] ?? 0);
      if (attempt >= 2) return { kind: "pass" };
      return schedule[(seq + attempt * 2) % schedule.length]!;
    });
    try {
      const { url, handle } = await jsonStreamBehind(proxy.url);
      const errors: Error[] = [];
      const producer = new IdempotentProducer(handle, "faulty", {
        maxBatchBytes: 2048,
        lingerMs: 1,
        maxInFlight: 5, // pipelined: a request lost before the server is overtaken by its successors
        backoffOptions: fast,
        onError: (e) => errors.push(e),
      });
      const total = 3000;
      for (let i = 0; i < total; i++) {
        producer.append(JSON.stringify({ i, pad: "x".repeat(40) }));
        if (i % 500 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      await producer.flush();
      await producer.close();
      expect(errors).toEqual([]);
      expect(proxy.log.some((l) => l.fault === "drop-after")).toBe(true);
      const items = await (await stream<{ i: number }>({ url })).json<{ i: number }>();
      expect(items.map((x) => x.i)).toEqual([...Array(total).keys()]);
    } finally {
      await proxy.close();
    }
  });

  // A pipelined request lost before it reaches the server is overtaken by its
  // successors, which the server refuses with a sequence gap. The producer must
  // retry the lost one under its own sequence number and resend the refused ones,
  // whichever order the retry's acknowledgment and the refusals come back in.
  for (const refusalArrives of ["before the retry", "after the retry is acknowledged"] as const) {
    it(`IdempotentProducer: a lost request overtaken by its successors, refusal ${refusalArrives}`, async () => {
      const lost = 2;
      const attempts = new Map<number, number>();
      const posted: number[] = []; // producer sequence of every POST, in arrival order
      const successorAnswered = deferred();
      const lostRetryAnswered = deferred<string>(); // resolves to the offset it got
      let producer: IdempotentProducer | undefined;
      const seqOf = (req: IncomingMessage) => Number(req.headers["producer-seq"]);
      const proxy = await startFaultProxy(
        server.url,
        (req): Fault => {
          if (req.method !== "POST" || req.headers["producer-seq"] === undefined) {
            return { kind: "pass" };
          }
          const seq = seqOf(req);
          const attempt = attempts.get(seq) ?? 0;
          attempts.set(seq, attempt + 1);
          posted.push(seq);
          if (seq === lost && attempt === 0) {
            return { kind: "drop-before", after: successorAnswered.promise };
          }
          if (seq === lost + 1 && attempt === 0 && refusalArrives !== "before the retry") {
            // Hold the refusal until the producer has taken the retry's acknowledgment.
            const acknowledged = lostRetryAnswered.promise.then((offset) =>
              eventually(() => producer?.lastSuccessfulOffset === offset),
            );
            return { kind: "delay", ms: 0, until: acknowledged };
          }
          return { kind: "pass" };
        },
        (req, answer) => {
          if (req.headers["producer-seq"] === undefined) return;
          const seq = seqOf(req);
          if (seq === lost + 1) successorAnswered.resolve();
          if (seq === lost && answer.statusCode === 200) {
            lostRetryAnswered.resolve(String(answer.headers["stream-next-offset"]));
          }
        },
      );
      try {
        const { url, handle } = await jsonStreamBehind(proxy.url);
        const errors: Error[] = [];
        producer = new IdempotentProducer(handle, "overtaken", {
          maxBatchBytes: 1, // one message per request
          maxInFlight: 5,
          backoffOptions: fast,
          onError: (e) => errors.push(e),
        });
        const total = 12;
        for (let i = 0; i < total; i++) producer.append(JSON.stringify({ i }));
        const flushedAt = await producer.flush();

        expect(errors).toEqual([]);
        expect(flushedAt).toBe(producer.lastSuccessfulOffset);
        // The successor reached the server before the lost request was retried.
        expect(posted.indexOf(lost + 1)).toBeLessThan(posted.lastIndexOf(lost));
        expect(posted.filter((seq) => seq === lost + 1).length).toBeGreaterThan(1);
        const items = await (await stream<{ i: number }>({ url })).json<{ i: number }>();
        expect(items.map((x) => x.i)).toEqual([...Array(total).keys()]);
      } finally {
        await proxy.close();
      }
    });
  }

  it("IdempotentProducer: after restart(), a lost first request of the new epoch is not overtaken", async () => {
    // A new epoch must start at sequence 0: a successor arriving first would be refused outright.
    const posted: string[] = []; // epoch/seq of every producer POST, in arrival order
    let droppedFirst = false;
    let started = 0; // producer POSTs handed to fetch
    const countingFetch: typeof globalThis.fetch = (input, init) => {
      if (init?.method === "POST") started++;
      return globalThis.fetch(input, init);
    };
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      if (req.method !== "POST" || req.headers["producer-seq"] === undefined)
        return { kind: "pass" };
      const epoch = req.headers["producer-epoch"];
      const seq = req.headers["producer-seq"];
      posted.push(`${epoch}/${seq}`);
      if (epoch === "1" && seq === "0" && !droppedFirst) {
        droppedFirst = true;
        // Lost once every request the producer started by now (all appends were made before
        // this one arrived) reached the proxy: a successor sent too early is seen first.
        return { kind: "drop-before", after: eventually(() => posted.length >= started) };
      }
      return { kind: "pass" };
    });
    try {
      const { url, handle } = await jsonStreamBehind(proxy.url, { fetch: countingFetch });
      const errors: Error[] = [];
      const producer = new IdempotentProducer(handle, "restarted", {
        maxBatchBytes: 1, // one message per request
        maxInFlight: 5,
        backoffOptions: fast,
        onError: (e) => errors.push(e),
      });
      producer.append(JSON.stringify({ i: 0 }));
      await producer.flush();
      await producer.restart();
      for (let i = 1; i <= 6; i++) producer.append(JSON.stringify({ i }));
      await producer.flush();

      expect(errors).toEqual([]);
      expect(producer.epoch).toBe(1);
      expect(posted.slice(1, 3)).toEqual(["1/0", "1/0"]); // dropped, then retried before any successor
      const items = await (await stream<{ i: number }>({ url })).json<{ i: number }>();
      expect(items.map((x) => x.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    } finally {
      await proxy.close();
    }
  });

  it("IdempotentProducer: when the retry budget runs out it reports, keeps the unsent messages, and flush() resends them once", async () => {
    // The first POST is stored but its answer lost; every later one is refused until the outage ends.
    let outage = true;
    let posts = 0;
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      if (req.method !== "POST") return { kind: "pass" };
      if (posts++ === 0) return { kind: "drop-after" };
      return outage ? { kind: "status", status: 503 } : { kind: "pass" };
    });
    try {
      const { url, handle } = await jsonStreamBehind(proxy.url);
      const errors: Error[] = [];
      const producer = new IdempotentProducer(handle, "budget", {
        maxBatchBytes: 1, // one message per request
        backoffOptions: fast,
        retryBudgetMs: 300,
        onError: (e) => errors.push(e),
      });
      for (let i = 0; i < 5; i++) producer.append(JSON.stringify({ i }));
      await expect(producer.flush()).rejects.toMatchObject({ status: 503 });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ status: 503 });
      // Nothing accepted is dropped: the messages can be read back, and append() says it failed.
      expect(producer.unsentMessages()).toEqual([0, 1, 2, 3, 4].map((i) => JSON.stringify({ i })));
      expect(() => producer.append("5")).toThrow();

      outage = false;
      await producer.flush();
      expect(producer.unsentMessages()).toEqual([]);
      expect(errors).toHaveLength(1);
      const items = await (await stream<{ i: number }>({ url, live: false })).json<{ i: number }>();
      expect(items.map((x) => x.i)).toEqual([0, 1, 2, 3, 4]); // the first one exactly once
    } finally {
      await proxy.close();
    }
  });

  it("DurableStream.append retries 500, 502 and 504 as the official client does", async () => {
    const answers = [500, 502, 504];
    let posts = 0;
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      const status = req.method === "POST" ? answers[posts++] : undefined;
      return status === undefined ? { kind: "pass" } : { kind: "status", status };
    });
    try {
      const { url, handle } = await jsonStreamBehind(proxy.url, { backoffOptions: fast });
      await handle.append({ ok: true });
      expect(await (await stream({ url, live: false })).json()).toEqual([{ ok: true }]);
      expect(proxy.log.filter((l) => l.method === "POST").map((l) => l.fault)).toEqual([
        "status",
        "status",
        "status",
        "pass",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("DurableStream.append retries 503 and honours Retry-After", async () => {
    let posts = 0;
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      if (req.method === "POST" && posts++ === 0)
        return { kind: "status", status: 503, retryAfter: "1" };
      return { kind: "pass" };
    });
    try {
      const { url, handle } = await jsonStreamBehind(proxy.url, { backoffOptions: fast });
      await handle.append({ ok: true });
      expect(await (await stream({ url, live: false })).json()).toEqual([{ ok: true }]);
      expect(proxy.log.filter((l) => l.method === "POST").map((l) => l.fault)).toEqual([
        "status",
        "pass",
      ]);
    } finally {
      await proxy.close();
    }
  });

  for (const mode of ["sse", "long-poll"] as const) {
    it(`live ${mode} reader: cut bodies, 503s and slow chunks mid-stream lose and duplicate nothing`, async () => {
      let gets = 0;
      const proxy = await startFaultProxy(server.url, (req): Fault => {
        if (req.method !== "GET") return { kind: "pass" };
        const n = gets++;
        if (live(req) === "sse") {
          if (n % 3 === 0) return { kind: "cut-body", afterBytes: 150 + (n % 7) * 40 };
          if (n % 3 === 1) return { kind: "delay", ms: 5, chunkMs: 3 };
          return { kind: "pass" };
        }
        switch (n % 5) {
          case 0:
            return { kind: "cut-body", afterBytes: 20 };
          case 1:
            return { kind: "status", status: 503, retryAfter: "0" };
          case 2:
            return { kind: "delay", ms: 10, chunkMs: 2 };
          case 3:
            return { kind: "drop-before" };
          default:
            return { kind: "pass" };
        }
      });
      try {
        const url = streamUrl(server);
        const writer = await DurableStream.create({ url, contentType: "application/json" });
        await writer.append({ i: 0 });
        const res = await stream<{ i: number }>({
          url: viaProxy(proxy.url, url),
          live: mode,
          backoffOptions: fast,
          sseResilience: { logWarnings: false, minConnectionDuration: 0 },
        });
        const seen: number[] = [];
        res.subscribeJson((batch) => {
          for (const item of batch.items) seen.push(item.i);
        });
        let next = 1;
        for (let round = 0; round < 15; round++) {
          const items = Array.from({ length: 7 }, () => ({ i: next++, pad: "y".repeat(30) }));
          for (const item of items) await writer.append(item);
          await eventually(() => seen.length >= next, 20_000);
        }
        await writer.close();
        await res.closed;
        expect(seen).toEqual([...Array(next).keys()]);
        expect(proxy.log.some((l) => l.fault === "cut-body")).toBe(true);
      } finally {
        await proxy.close();
      }
    });
  }

  it("onError is consulted on SSE reconnects, so an expired token is recoverable", async () => {
    let valid = "Bearer t1";
    let sseConnections = 0;
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      if (req.headers.authorization !== valid) return { kind: "status", status: 401 };
      if (req.method === "GET" && live(req) === "sse" && sseConnections++ === 0) {
        // the token expires while the first SSE connection is open, then the connection drops
        valid = "Bearer t2";
        return { kind: "cut-body", afterBytes: 1 };
      }
      return { kind: "pass" };
    });
    try {
      const url = streamUrl(server);
      const writer = await DurableStream.create({ url, contentType: "application/json" });
      await writer.append({ n: 1 });
      const errors: Error[] = [];
      const res = await stream<{ n: number }>({
        url: viaProxy(proxy.url, url),
        live: "sse",
        headers: { Authorization: "Bearer t1" },
        backoffOptions: fast,
        sseResilience: { logWarnings: false },
        onError: (error) => {
          errors.push(error);
          if (error instanceof FetchError && error.status === 401) {
            return { headers: { Authorization: "Bearer t2" } };
          }
          return undefined;
        },
      });
      const seen: number[] = [];
      res.subscribeJson((batch) => {
        for (const item of batch.items) seen.push(item.n);
      });
      await eventually(() => seen.length === 1);
      await writer.append({ n: 2 });
      await writer.close();
      await res.closed;
      expect(seen).toEqual([1, 2]);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e instanceof FetchError && e.status === 401)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it("a read whose onError gives up rejects closed with the error", async () => {
    const proxy = await startFaultProxy(
      server.url,
      (req): Fault =>
        req.method === "GET" && live(req) !== null
          ? { kind: "status", status: 403 }
          : { kind: "pass" },
    );
    try {
      const url = streamUrl(server);
      await DurableStream.create({ url, contentType: "application/json" });
      const res = await stream({ url: viaProxy(proxy.url, url), live: "long-poll" });
      res.subscribeJson(() => {});
      await expect(res.closed).rejects.toMatchObject({ status: 403, code: "FORBIDDEN" });
    } finally {
      await proxy.close();
    }
  });
});
