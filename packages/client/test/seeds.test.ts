/**
 * The code samples of ../shared/seeds/client-writing-data.txt and
 * client-forking.txt, run against real servers. Each sample is copied as
 * written; only the import line changes (and the placeholder origin
 * `https://your-server.com` becomes the test server's). Free variables of
 * the samples (`events`, `llm`, `source`, `savedOffset`, …) are defined
 * around them.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, IdempotentProducer, StaleEpochError, stream } from "../src/index.js";
import { eventually, type RunningServer, servers } from "./support/servers.js";

describe.each(servers)("seed samples against $name", (impl) => {
  let server: RunningServer;
  let base: string;
  beforeAll(async () => {
    server = await impl.start();
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
  });

  async function readJson(url: string): Promise<unknown[]> {
    return (await stream({ url, live: false })).json();
  }

  describe("client-writing-data", () => {
    it("Setup", async () => {
      const events = [{ id: 1 }, { id: 2 }, { id: 3 }];
      // --- sample ---
      // Create a JSON-mode stream
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/my-stream`,
        contentType: "application/json",
      });
      // Set up IdempotentProducer for reliable writes
      const producer = new IdempotentProducer(handle, "my-service", {
        autoClaim: true,
        onError: (err) => {
          if (err instanceof StaleEpochError) {
            console.log("Another producer took over");
          } else {
            console.error("Write error:", err);
          }
        },
      });
      // Fire-and-forget writes — automatically batched and deduplicated
      for (const event of events) {
        producer.append(JSON.stringify(event));
      }
      // Ensure all pending writes are delivered
      await producer.flush();
      await producer.close();
      // --- end ---
      expect(await readJson(`${base}/v1/stream/my-stream`)).toEqual(events);
    });

    it("Simple writes with append()", async () => {
      // --- sample ---
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/events`,
        contentType: "application/json",
      });
      // Each append waits for server confirmation
      await handle.append({ type: "order.created", orderId: "123" });
      await handle.append({ type: "order.paid", orderId: "123" });
      // --- end ---
      expect(await readJson(`${base}/v1/stream/events`)).toEqual([
        { type: "order.created", orderId: "123" },
        { type: "order.paid", orderId: "123" },
      ]);
    });

    it("High-throughput writes with IdempotentProducer", async () => {
      const prompt = "hi";
      const llm = {
        async *stream(_prompt: string) {
          for (const token of ["Hello", ", ", "world", "!"]) yield token;
        },
      };
      // --- sample ---
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/tokens`,
        contentType: "text/plain",
      });
      const producer = new IdempotentProducer(handle, "llm-worker", {
        autoClaim: true,
        lingerMs: 10, // Batch window (default: 5ms)
        maxBatchBytes: 65536, // Max batch size (default: 1MB)
        maxInFlight: 4, // Concurrent HTTP requests (default: 5)
        onError: (err) => console.error(err),
      });
      for await (const token of llm.stream(prompt)) {
        producer.append(token); // Fire-and-forget — don't await
      }
      await producer.flush(); // Wait for all batches to land
      await producer.close(); // Clean up
      // --- end ---
      const res = await stream({ url: `${base}/v1/stream/tokens` });
      expect(await res.text()).toBe("Hello, world!");
      expect(res.streamClosed).toBe(true);
    });

    it("Closing a stream", async () => {
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/closing`,
        contentType: "application/json",
      });
      // --- sample ---
      // Close with optional final message
      await handle.close({ body: JSON.stringify({ type: "stream.complete" }) });
      // Or close without a final message
      await handle.close();
      // --- end ---
      const res = await stream({ url: `${base}/v1/stream/closing` });
      expect(await res.json()).toEqual([{ type: "stream.complete" }]);
      expect(res.streamClosed).toBe(true);
    });

    it("Byte stream mode with custom framing", async () => {
      // --- sample ---
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/logs`,
        contentType: "text/plain",
      });
      const producer = new IdempotentProducer(handle, "logger", { autoClaim: true });
      producer.append(`${JSON.stringify({ level: "info", msg: "started" })}\n`);
      producer.append(`${JSON.stringify({ level: "error", msg: "failed" })}\n`);
      await producer.flush();
      // --- end ---
      const text = await (await stream({ url: `${base}/v1/stream/logs`, live: false })).text();
      expect(
        text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      ).toEqual([
        { level: "info", msg: "started" },
        { level: "error", msg: "failed" },
      ]);
    });

    it("Common mistakes: the correct producer pattern, and objects throw", async () => {
      const url = `${base}/v1/stream/mistakes`;
      const events = [{ a: 1 }, { a: 2 }];
      // --- sample ---
      const handle = await DurableStream.create({
        url,
        contentType: "application/json",
      });
      const producer = new IdempotentProducer(handle, "my-service", {
        autoClaim: true,
        onError: (err) => console.error(err),
      });
      for (const event of events) {
        producer.append(JSON.stringify(event)); // Fire-and-forget, batched, deduplicated
      }
      await producer.flush();
      // --- end ---
      // "Passing objects to append instead of strings" — the wrong version throws:
      // @ts-expect-error the sample's intentionally wrong call
      expect(() => producer.append({ event: "user.created" })).toThrow();
      producer.append(JSON.stringify({ event: "user.created" }));
      await producer.flush();
      await producer.close();
      expect(await readJson(url)).toEqual([...events, { event: "user.created" }]);
    });

    it("Handling StaleEpochError for multi-worker scenarios", async () => {
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/workers`,
        contentType: "text/plain",
      });
      // Another worker already owns a newer epoch.
      const newer = new IdempotentProducer(handle, "worker", { epoch: 3 });
      newer.append("newer;");
      await newer.flush();
      let appended = 0;
      async function* source() {
        for (let i = 0; i < 200; i++) {
          await new Promise((r) => setTimeout(r, 1));
          yield `t${i};`;
        }
      }
      // --- sample ---
      let fenced = false;
      const producer = new IdempotentProducer(handle, "worker", {
        onError: (err) => {
          if (err instanceof StaleEpochError) {
            fenced = true; // Stop producing
          }
        },
      });
      for await (const token of source()) {
        if (fenced) break;
        producer.append(token);
        appended++;
      }
      // --- end ---
      expect(fenced).toBe(true);
      expect(appended).toBeLessThan(200);
      expect(await (await stream({ url: `${base}/v1/stream/workers`, live: false })).text()).toBe(
        "newer;",
      );
    });

    it("autoClaim instead of managing epochs", async () => {
      const handle = await DurableStream.create({
        url: `${base}/v1/stream/claim`,
        contentType: "text/plain",
      });
      const old = new IdempotentProducer(handle, "worker", { epoch: 2 });
      old.append("a");
      await old.flush();
      // --- sample ---
      const producer = new IdempotentProducer(handle, "worker", {
        autoClaim: true, // Handles epoch transitions automatically
      });
      // --- end ---
      producer.append("b");
      await producer.flush();
      expect(producer.epoch).toBe(3);
      expect(await (await stream({ url: `${base}/v1/stream/claim`, live: false })).text()).toBe(
        "ab",
      );
    });
  });

  describe("client-forking", () => {
    beforeAll(async () => {
      const source = await DurableStream.create({
        url: `${base}/v1/stream/my-source`,
        contentType: "application/json",
      });
      await source.append({ role: "user", text: "hello" });
      await source.append({ role: "assistant", text: "hi!" });
    });

    it("Setup: fork, fresh handle, read, write", async () => {
      const sourceHead = await DurableStream.head({ url: `${base}/v1/stream/my-source` });
      // --- sample ---
      // Create a fork by passing fork headers via the headers option
      await DurableStream.create({
        url: `${base}/v1/stream/my-fork`,
        headers: {
          "Stream-Forked-From": "/v1/stream/my-source",
          "Stream-Fork-Offset": sourceHead.exists ? sourceHead.offset! : "", // optional; defaults to source tail
        },
      });
      // Use a fresh handle for ongoing reads/writes
      const fork = await DurableStream.connect({
        url: `${base}/v1/stream/my-fork`,
      });
      // Read — transparently returns inherited data followed by fork's own appends
      const res = await fork.stream({ json: true });
      const items = await res.json();
      // Write — appends go only to the fork, source is untouched
      await fork.append(JSON.stringify({ role: "user", text: "what if instead..." }));
      // --- end ---
      expect(items).toEqual([
        { role: "user", text: "hello" },
        { role: "assistant", text: "hi!" },
      ]);
      expect(await readJson(`${base}/v1/stream/my-fork`)).toEqual([
        ...items,
        { role: "user", text: "what if instead..." },
      ]);
      expect(await readJson(`${base}/v1/stream/my-source`)).toEqual(items);
    });

    it("Create a fork at the source's current tail", async () => {
      // --- sample ---
      await DurableStream.create({
        url: `${base}/v1/stream/my-fork-tail`,
        headers: {
          "Stream-Forked-From": "/v1/stream/my-source",
          // Stream-Fork-Offset omitted — defaults to source's current tail
        },
      });
      // --- end ---
      expect(await readJson(`${base}/v1/stream/my-fork-tail`)).toHaveLength(2);
    });

    it("Create a fork at a specific offset", async () => {
      const first = await stream({ url: `${base}/v1/stream/my-source`, live: false });
      const all = await first.json();
      // an offset returned by the server: the one after the first message
      const one = await DurableStream.create({
        url: `${base}/v1/stream/probe`,
        contentType: "application/json",
      });
      await one.append(all[0]);
      const savedOffset = (await one.head()).exists
        ? ((await one.head()) as { offset: string }).offset
        : "";
      // --- sample ---
      const source = await DurableStream.connect({
        url: `${base}/v1/stream/my-source`,
      });
      const head = await source.head();
      // Fork at an offset you previously saved or received from the server
      await DurableStream.create({
        url: `${base}/v1/stream/my-fork-at`,
        headers: {
          "Stream-Forked-From": "/v1/stream/my-source",
          "Stream-Fork-Offset": savedOffset,
        },
      });
      // --- end ---
      expect(head.exists).toBe(true);
      expect(await readJson(`${base}/v1/stream/my-fork-at`)).toEqual([all[0]]);
    });

    it("Read a fork live, write to it, delete it", async () => {
      await DurableStream.create({
        url: `${base}/v1/stream/my-fork-live`,
        headers: { "Stream-Forked-From": "/v1/stream/my-source" },
      });
      const seen: unknown[] = [];
      const console = { log: (item: unknown) => seen.push(item) };
      // --- sample ---
      const res = await stream({
        url: `${base}/v1/stream/my-fork-live`,
        offset: "-1",
        live: true,
      });
      res.subscribeJson(async (batch) => {
        for (const item of batch.items) {
          console.log(item); // inherited + fork's own data, in offset order
        }
      });
      // --- end ---
      await eventually(() => seen.length === 2);
      // --- sample ---
      const fork = await DurableStream.connect({
        url: `${base}/v1/stream/my-fork-live`,
      });
      await fork.append(JSON.stringify({ event: "branched" }));
      // --- end ---
      await eventually(() => seen.length === 3);
      expect(seen[2]).toEqual({ event: "branched" });
      res.cancel();
      // --- sample ---
      await DurableStream.delete({
        url: `${base}/v1/stream/my-fork-live`,
      });
      // --- end ---
      expect((await DurableStream.head({ url: `${base}/v1/stream/my-fork-live` })).exists).toBe(
        false,
      );
    });

    it("TTL and expiry", async () => {
      // --- sample ---
      await DurableStream.create({
        url: `${base}/v1/stream/my-fork-ttl`,
        ttlSeconds: 3600, // fork's own TTL, independent of source
        headers: {
          "Stream-Forked-From": "/v1/stream/my-source",
        },
      });
      // --- end ---
      const head = await fetch(`${base}/v1/stream/my-fork-ttl`, { method: "HEAD" });
      expect(head.headers.get("Stream-TTL")).toBe("3600");
    });

    it("Mismatched Content-Type on fork creation is a 409; omitting it inherits", async () => {
      const err = await DurableStream.create({
        url: `${base}/v1/stream/my-fork-ct`,
        contentType: "text/plain", // 409 Conflict!
        headers: { "Stream-Forked-From": "/v1/stream/my-source" },
      }).catch((e: unknown) => e);
      expect((err as { statusCode?: number }).statusCode).toBe(409);
      // --- sample ---
      // Omit Content-Type to inherit from source
      await DurableStream.create({
        url: `${base}/v1/stream/my-fork-ct`,
        headers: {
          "Stream-Forked-From": "/v1/stream/my-source",
        },
      });
      // --- end ---
      const fork = await DurableStream.connect({ url: `${base}/v1/stream/my-fork-ct` });
      expect(fork.contentType).toMatch(/^application\/json/);
    });

    it("410 Gone for soft-deleted sources", async () => {
      const sourceUrl = `${base}/v1/stream/doomed-source`;
      const src = await DurableStream.create({ url: sourceUrl, contentType: "application/json" });
      await src.append({ x: 1 });
      await DurableStream.create({
        url: `${base}/v1/stream/doomed-fork`,
        headers: { "Stream-Forked-From": "/v1/stream/doomed-source" },
      });
      await DurableStream.delete({ url: sourceUrl });
      const codes: number[] = [];
      const console = {
        log: (msg: string) => codes.push(msg.includes("410") || msg.startsWith("Soft") ? 410 : 404),
      };
      // --- sample ---
      try {
        const res = await stream({ url: sourceUrl, offset: "-1", live: false });
        const data = await res.json();
        void data;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) console.log("Not found");
        if ((err as { statusCode?: number }).statusCode === 410)
          console.log("Soft-deleted — has active forks");
      }
      // --- end ---
      expect(codes).toEqual([410]);
      expect(await readJson(`${base}/v1/stream/doomed-fork`)).toEqual([{ x: 1 }]);
    });
  });
});
