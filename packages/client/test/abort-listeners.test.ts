/**
 * A long outage must not grow the caller's AbortSignal: every retry of a
 * write or a read used to leave an abort listener on it (fetch registers one
 * on the signal it is given and drops it only when the request is garbage
 * collected), so a 10 s outage passed 1,500 listeners and printed
 * MaxListenersExceededWarning thousands of times.
 */

import { getEventListeners, setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, IdempotentProducer, stream } from "../src/index.js";
import { type Fault, startFaultProxy } from "./support/fault-proxy.js";
import { type RunningServer, servers, streamUrl } from "./support/servers.js";

/** Retries per request: far past the listener limit set below. */
const RETRIES = 200;
const fast = { initialDelay: 1, maxDelay: 2, multiplier: 1.5 };

describe("abort listeners through a long outage", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await servers[0]!.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("the caller's signal keeps a flat listener count over hundreds of retries, with no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === "MaxListenersExceededWarning") warnings.push(warning);
    };
    process.on("warning", onWarning);
    const caller = new AbortController();
    // A leak then warns after 20 retries rather than fetch's 1,500.
    setMaxListeners(20, caller.signal);
    const listeners = () => getEventListeners(caller.signal, "abort").length;
    const seen: number[] = [];
    const refusals = new Map<string, number>();
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      seen.push(listeners()); // sampled while the attempt is in flight
      const key = `${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`;
      const refused = refusals.get(key) ?? 0;
      if (refused >= RETRIES) return { kind: "pass" };
      refusals.set(key, refused + 1);
      return { kind: "status", status: 503, retryAfter: "0" };
    });
    try {
      const urls = [streamUrl(server, "append"), streamUrl(server, "producer")];
      for (const url of urls) await DurableStream.create({ url, contentType: "application/json" });
      const [appendUrl, producerUrl] = urls.map((url) => proxy.url + new URL(url).pathname);
      const handle = (url: string) =>
        new DurableStream({
          url: url!,
          contentType: "application/json",
          signal: caller.signal,
          backoffOptions: { ...fast, maxRetries: Number.POSITIVE_INFINITY },
        });

      await handle(appendUrl!).append({ plain: true });
      const producer = new IdempotentProducer(handle(producerUrl!), "listeners", {
        lingerMs: 0,
        backoffOptions: fast,
      });
      producer.append(JSON.stringify({ produced: true }));
      await producer.flush();
      const res = await stream({
        url: appendUrl!,
        offset: "-1",
        live: false,
        signal: caller.signal,
        backoffOptions: { ...fast, maxRetries: Number.POSITIVE_INFINITY },
      });
      expect(await res.json()).toEqual([{ plain: true }]);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick

      // Every request went through its outage.
      expect([...refusals.values()].filter((n) => n === RETRIES).length).toBe(3);
      expect(seen.length).toBeGreaterThan(3 * RETRIES);
      // The producer and the read session each hold one listener; attempts add at most one more.
      expect(Math.max(...seen)).toBeLessThanOrEqual(4);
      expect(listeners()).toBeLessThanOrEqual(2);
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await proxy.close();
    }
  });
});
