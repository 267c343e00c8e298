/**
 * A 10 s window in which the server (behind a proxy) answers every write
 * with 503 + `Retry-After: 1`, as during a deploy behind a load balancer:
 * producers and plain appenders keep their messages, resend them when the
 * window closes, and store each accepted one exactly once.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, IdempotentProducer } from "../src/index.js";
import { type Fault, startFaultProxy } from "./support/fault-proxy.js";
import { eventually, type RunningServer, servers, streamUrl } from "./support/servers.js";
import {
  appendInLoop,
  expectStoredExactlyOnce,
  feedProducer,
  storedValues,
} from "./support/writers.js";

const WINDOW_MS = 10_000;

describe.each(servers)("a 10 s 503 window on $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a producer and a plain appender ride it out: every accepted message stored exactly once", async () => {
    let unavailable = false;
    let refused = 0;
    const proxy = await startFaultProxy(server.url, (req): Fault => {
      if (req.method !== "POST" || !unavailable) return { kind: "pass" };
      refused++;
      return { kind: "status", status: 503, retryAfter: "1" };
    });
    try {
      const producerUrl = streamUrl(server, "window-producer");
      const appenderUrl = streamUrl(server, "window-appender");
      for (const url of [producerUrl, appenderUrl]) {
        await DurableStream.create({ url, contentType: "application/json" });
      }
      const behindProxy = (url: string) =>
        new DurableStream({
          url: proxy.url + new URL(url).pathname,
          contentType: "application/json",
        });
      const errors: Error[] = [];
      const producer = new IdempotentProducer(behindProxy(producerUrl), "window", {
        lingerMs: 1,
        maxBatchBytes: 8192,
        onError: (e) => errors.push(e),
      });
      const produced = feedProducer(producer);
      const appended = appendInLoop(behindProxy(appenderUrl));

      await eventually(() => producer.lastSuccessfulOffset !== undefined);
      await eventually(() => appended.accepted.length >= 10);
      unavailable = true;
      const ackedBefore = producer.lastSuccessfulOffset;
      const acceptedBefore = appended.accepted.length;
      await new Promise((r) => setTimeout(r, WINDOW_MS)); // the outage itself
      unavailable = false;
      await eventually(() => appended.accepted.length >= acceptedBefore + 10, 30_000);
      await eventually(() => producer.lastSuccessfulOffset !== ackedBefore, 30_000);
      await produced.stop();
      await appended.stop();
      await producer.flush();

      expect(refused).toBeGreaterThan(2);
      expect(errors).toEqual([]);
      expect(await storedValues(producerUrl)).toEqual([...Array(produced.appended).keys()]);
      // A 503 is a refusal: nothing was stored, so even a plain append is resent.
      expect(appended.rejected).toEqual([]);
      expectStoredExactlyOnce(await storedValues(appenderUrl), appended.accepted);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
