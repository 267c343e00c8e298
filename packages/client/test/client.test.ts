/**
 * The client suite, run against every server implementation in `servers`.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DurableStream,
  DurableStreamError,
  FetchError,
  IdempotentProducer,
  type JsonBatch,
  StaleEpochError,
  StreamClosedError,
  stream,
} from "../src/index.js";
import { eventually, type RunningServer, servers, streamUrl } from "./support/servers.js";

/** A fetch that records method, URL and headers of every request. */
function recordingFetch() {
  const calls: Array<{ method: string; url: string; headers: Headers }> = [];
  const fetchImpl: typeof fetch = (input, init) => {
    calls.push({
      method: init?.method ?? "GET",
      url: String(input),
      headers: new Headers(init?.headers),
    });
    return fetch(input, init);
  };
  return { calls, fetch: fetchImpl };
}

describe.each(servers)("client against $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  describe("DurableStream", () => {
    it("creates a JSON stream and appends strings, objects and arrays", async () => {
      const handle = await DurableStream.create({
        url: streamUrl(server),
        contentType: "application/json",
      });
      await handle.append(JSON.stringify({ n: 1 }));
      await handle.append({ n: 2 });
      await handle.append([3, 4]);
      await handle.append(5);
      const res = await handle.stream({ live: false });
      expect(await res.json()).toEqual([{ n: 1 }, { n: 2 }, [3, 4], 5]);
      expect(res.upToDate).toBe(true);
    });

    it("reports HEAD metadata and a missing stream", async () => {
      const url = streamUrl(server);
      expect(await DurableStream.head({ url })).toEqual({ exists: false });
      const handle = await DurableStream.create({ url, contentType: "text/plain" });
      await handle.append("hello");
      const head = await handle.head();
      expect(head.exists).toBe(true);
      if (!head.exists) return;
      expect(head.contentType).toMatch(/^text\/plain/);
      expect(head.streamClosed).toBe(false);
      expect(typeof head.offset).toBe("string");
      const connected = await DurableStream.connect({ url });
      expect(connected.contentType).toMatch(/^text\/plain/);
    });

    it("rejects a create that conflicts with CONFLICT_EXISTS", async () => {
      const url = streamUrl(server);
      await DurableStream.create({ url, contentType: "application/json" });
      const err = await DurableStream.create({ url, contentType: "text/plain" }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DurableStreamError);
      expect((err as DurableStreamError).code).toBe("CONFLICT_EXISTS");
      expect((err as DurableStreamError).status).toBe(409);
    });

    it("fails reads of a missing stream with a 404 FetchError", async () => {
      const err = await stream({ url: streamUrl(server), live: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FetchError);
      expect(err).toBeInstanceOf(DurableStreamError);
      expect((err as FetchError).status).toBe(404);
      expect((err as FetchError).statusCode).toBe(404);
      expect((err as FetchError).code).toBe("NOT_FOUND");
    });

    it("closes with a final message; later appends throw StreamClosedError", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      await handle.append({ n: 1 });
      const result = await handle.close({ body: JSON.stringify({ type: "done" }) });
      expect(typeof result.finalOffset).toBe("string");
      const again = await handle.close();
      expect(again.finalOffset).toBe(result.finalOffset);
      const err = await handle.append({ n: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StreamClosedError);
      expect((err as StreamClosedError).code).toBe("STREAM_CLOSED");
      const res = await stream({ url, live: true });
      expect(await res.json()).toEqual([{ n: 1 }, { type: "done" }]);
      expect(res.streamClosed).toBe(true);
      expect(res.offset).toBe(result.finalOffset);
      const head = await handle.head();
      expect(head.exists && head.streamClosed).toBe(true);
    });

    it("creates a stream already closed with a body", async () => {
      const url = streamUrl(server);
      await DurableStream.create({
        url,
        contentType: "text/plain",
        body: "complete",
        closed: true,
      });
      const res = await stream({ url });
      expect(await res.text()).toBe("complete");
      expect(res.streamClosed).toBe(true);
    });

    it("deletes a stream", async () => {
      const url = streamUrl(server);
      await DurableStream.create({ url, contentType: "text/plain" });
      await DurableStream.delete({ url });
      expect((await DurableStream.head({ url })).exists).toBe(false);
      const err = await DurableStream.delete({ url }).catch((e: unknown) => e);
      expect((err as DurableStreamError).code).toBe("NOT_FOUND");
    });

    it("batches overlapping appends into few POSTs, in order", async () => {
      const rec = recordingFetch();
      const handle = await DurableStream.create({
        url: streamUrl(server),
        contentType: "application/json",
        fetch: rec.fetch,
      });
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) writes.push(handle.append({ i }));
      await Promise.all(writes);
      expect(rec.calls.filter((c) => c.method === "POST").length).toBeLessThanOrEqual(3);
      const items = await (await handle.stream({ live: false })).json<{ i: number }>();
      expect(items.map((x) => x.i)).toEqual([...Array(100).keys()]);
    });

    it("appends bytes and strings to a binary stream without batching", async () => {
      const handle = await DurableStream.create({
        url: streamUrl(server),
        contentType: "application/octet-stream",
        batching: false,
      });
      await handle.append(new Uint8Array([0, 1, 2, 255]));
      await handle.append("AB");
      const body = await (await handle.stream({ live: false })).body();
      expect([...body]).toEqual([0, 1, 2, 255, 65, 66]);
    });

    it("enforces Stream-Seq ordering with CONFLICT_SEQ", async () => {
      const handle = await DurableStream.create({
        url: streamUrl(server),
        contentType: "text/plain",
      });
      await handle.append("a", { seq: "001" });
      await handle.append("b", { seq: "002" });
      const err = await handle.append("c", { seq: "001" }).catch((e: unknown) => e);
      expect((err as DurableStreamError).code).toBe("CONFLICT_SEQ");
      expect(await (await handle.stream({ live: false })).text()).toBe("ab");
    });

    it("appendStream pipes an async iterable as one POST", async () => {
      const handle = await DurableStream.create({
        url: streamUrl(server),
        contentType: "text/plain",
      });
      async function* lines() {
        yield "line 1\n";
        yield new TextEncoder().encode("line 2\n");
      }
      await handle.appendStream(lines());
      expect(await (await handle.stream({ live: false })).text()).toBe("line 1\nline 2\n");
    });

    it("writable() appends through a producer and closes the stream", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "text/plain" });
      const source = new ReadableStream<string>({
        start(controller) {
          for (let i = 0; i < 50; i++) controller.enqueue(`${i};`);
          controller.close();
        },
      });
      await source.pipeTo(handle.writable());
      const res = await stream({ url });
      expect(await res.text()).toBe([...Array(50).keys()].map((i) => `${i};`).join(""));
      expect(res.streamClosed).toBe(true);
    });
  });

  describe("stream()", () => {
    it("resumes from a saved offset and supports offset=now", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      await handle.append({ n: 1 });
      const first = await stream({ url, live: false });
      expect(await first.json()).toEqual([{ n: 1 }]);
      const saved = first.offset;
      const now = await stream({ url, offset: "now", live: false });
      expect(await now.json()).toEqual([]);
      await handle.append({ n: 2 });
      expect(await (await stream({ url, offset: saved, live: false })).json()).toEqual([{ n: 2 }]);
      expect(await (await stream({ url, offset: now.offset, live: false })).json()).toEqual([
        { n: 2 },
      ]);
    });

    it("allows one consumption method only (ALREADY_CONSUMED)", async () => {
      const url = streamUrl(server);
      await DurableStream.create({ url, contentType: "application/json" });
      const res = await stream({ url, live: false });
      await res.json();
      await expect(res.text()).rejects.toMatchObject({ code: "ALREADY_CONSUMED" });
      expect(() => res.subscribeJson(() => {})).toThrow(DurableStreamError);
    });

    it("refuses JSON methods on a non-JSON stream unless json: true", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "text/plain" });
      await handle.append('{"a":1}');
      await expect((await stream({ url, live: false })).json()).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      expect(await (await stream({ url, live: false, json: true })).json()).toEqual([{ a: 1 }]);
    });

    for (const live of ["sse", "long-poll", true] as const) {
      it(`tails a JSON stream live (${String(live)}) with batch metadata until EOF`, async () => {
        const url = streamUrl(server);
        const handle = await DurableStream.create({ url, contentType: "application/json" });
        await handle.append({ n: 0 });
        const res = await stream<{ n: number }>({ url, live });
        const batches: JsonBatch<{ n: number }>[] = [];
        res.subscribeJson((batch) => {
          batches.push(batch);
        });
        await eventually(() => batches.some((b) => b.upToDate));
        for (let n = 1; n <= 5; n++) await handle.append({ n });
        await handle.close({ body: JSON.stringify({ n: 6 }) });
        await res.closed;
        const items = batches.flatMap((b) => b.items.map((x) => x.n));
        expect(items).toEqual([0, 1, 2, 3, 4, 5, 6]);
        const last = batches[batches.length - 1]!;
        expect(last.streamClosed).toBe(true);
        expect(last.upToDate).toBe(true);
        expect(res.streamClosed).toBe(true);
        const head = await handle.head();
        expect(head.exists && last.offset === head.offset).toBe(true);
        for (const b of batches) expect(typeof b.offset).toBe("string");
      });
    }

    it("tails a binary stream over SSE (base64) with subscribeBytes", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/octet-stream" });
      await handle.append(new Uint8Array([1, 2, 3]));
      const res = await stream({ url, live: "sse" });
      const received: number[] = [];
      res.subscribeBytes((chunk) => {
        received.push(...chunk.data);
      });
      await eventually(() => received.length === 3);
      await handle.append(new Uint8Array([0, 254, 255, 10, 13]));
      await handle.close();
      await res.closed;
      expect(received).toEqual([1, 2, 3, 0, 254, 255, 10, 13]);
    });

    it("tails text with textStream() and jsonStream() async iteration", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "text/plain" });
      await handle.append("héllo ");
      const res = await stream({ url, live: "long-poll" });
      const pieces: string[] = [];
      const done = (async () => {
        for await (const piece of res.textStream()) pieces.push(piece);
      })();
      await eventually(() => pieces.join("") === "héllo ");
      await handle.append("wörld");
      await handle.close();
      await done;
      expect(pieces.join("")).toBe("héllo wörld");

      const jsonUrl = streamUrl(server);
      const jsonHandle = await DurableStream.create({
        url: jsonUrl,
        contentType: "application/json",
      });
      await jsonHandle.append([1, 2]);
      await jsonHandle.append(3);
      const items: unknown[] = [];
      const jsonRes = await stream({ url: jsonUrl, live: "sse" });
      for await (const item of jsonRes.jsonStream()) {
        items.push(item);
        if (items.length === 2) break;
      }
      expect(items).toEqual([[1, 2], 3]);
    });

    it("cancel() ends a live session and resolves closed", async () => {
      const url = streamUrl(server);
      await DurableStream.create({ url, contentType: "application/json" });
      const res = await stream({ url, live: "sse" });
      let batches = 0;
      res.subscribeJson(() => {
        batches++;
      });
      await eventually(() => batches > 0);
      res.cancel();
      await expect(res.closed).resolves.toBeUndefined();
      // Data appended after cancel() reaches a new live reader but not the cancelled one.
      const seen = batches;
      const handle = new DurableStream({ url, contentType: "application/json" });
      await handle.append({ after: "cancel" });
      const witness = await stream({ url, live: "sse" });
      const items: unknown[] = [];
      for await (const item of witness.jsonStream()) {
        items.push(item);
        if (items.length === 1) break;
      }
      expect(items).toEqual([{ after: "cancel" }]);
      expect(batches).toBe(seen);
    });

    it("evaluates header and param functions on every request", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      await handle.append({ n: 1 });
      const rec = recordingFetch();
      let tokens = 0;
      const res = await stream({
        url,
        live: "long-poll",
        fetch: rec.fetch,
        headers: { Authorization: async () => `Bearer t${++tokens}` },
        params: { tenant: () => "acme" },
      });
      const items: unknown[] = [];
      res.subscribeJson((b) => {
        items.push(...b.items);
      });
      await eventually(() => rec.calls.length >= 2);
      await handle.append({ n: 2 });
      await handle.close();
      await res.closed;
      expect(items).toEqual([{ n: 1 }, { n: 2 }]);
      const auths = rec.calls.map((c) => c.headers.get("authorization"));
      expect(new Set(auths).size).toBe(rec.calls.length);
      for (const c of rec.calls) expect(new URL(c.url).searchParams.get("tenant")).toBe("acme");
      const live = rec.calls.filter((c) => new URL(c.url).searchParams.get("live") === "long-poll");
      // every long-poll after the first echoes the cursor of the previous response
      expect(live.length).toBeGreaterThan(1);
      expect(live.slice(1).every((c) => new URL(c.url).searchParams.get("cursor") !== null)).toBe(
        true,
      );
    });
  });

  describe("IdempotentProducer", () => {
    it("delivers many messages exactly once and in order; flush() returns the tail", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const producer = new IdempotentProducer(handle, "p1", { lingerMs: 1, maxBatchBytes: 4096 });
      for (let i = 0; i < 5000; i++) producer.append(JSON.stringify({ i }));
      const offset = await producer.flush();
      expect(producer.pendingCount).toBe(0);
      expect(producer.inFlightCount).toBe(0);
      expect(producer.nextSeq).toBeGreaterThan(1);
      const head = await handle.head();
      expect(head.exists && offset === head.offset).toBe(true);
      expect(producer.lastSuccessfulOffset).toBe(offset);
      const items = await (await stream<{ i: number }>({ url, live: false })).json<{ i: number }>();
      expect(items.map((x) => x.i)).toEqual([...Array(5000).keys()]);
    });

    it("writes bytes and strings to a text stream", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "text/plain" });
      const producer = new IdempotentProducer(handle, "p-bytes");
      producer.append("a");
      producer.append(new TextEncoder().encode("b"));
      producer.append("c");
      await producer.flush();
      expect(await (await stream({ url, live: false })).text()).toBe("abc");
    });

    it("carries non-ASCII text intact, as strings and as UTF-8 bytes", async () => {
      // Batches are sized for ASCII and grow when a message needs more bytes:
      // a long run of 3-byte characters and surrogate pairs at batch ends.
      const samples = [
        "日本語".repeat(500),
        "héllo",
        "𝄞".repeat(300),
        "emoji 🎉🚀",
        "x".repeat(100),
        "plain",
      ];
      const jsonUrl = streamUrl(server);
      const json = await DurableStream.create({ url: jsonUrl, contentType: "application/json" });
      const jsonProducer = new IdempotentProducer(json, "p-utf8", { lingerMs: 1 });
      for (const [i, text] of samples.entries()) {
        const message = JSON.stringify({ i, text });
        jsonProducer.append(i % 2 === 0 ? message : new TextEncoder().encode(message));
      }
      await jsonProducer.flush();
      const items = await (await stream({ url: jsonUrl, live: false })).json<{ text: string }>();
      expect(items.map((item) => item.text)).toEqual(samples);

      const textUrl = streamUrl(server);
      const text = await DurableStream.create({ url: textUrl, contentType: "text/plain" });
      const textProducer = new IdempotentProducer(text, "p-utf8-text", { lingerMs: 1 });
      for (const sample of samples) textProducer.append(sample);
      await textProducer.flush();
      expect(await (await stream({ url: textUrl, live: false })).text()).toBe(samples.join(""));
    });

    it("throws on objects and after close; close() is idempotent", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const producer = new IdempotentProducer(handle, "p2");
      expect(() => producer.append({ a: 1 } as unknown as string)).toThrow(DurableStreamError);
      producer.append(JSON.stringify({ a: 1 }));
      const first = await producer.close(JSON.stringify({ final: true }));
      const second = await producer.close();
      expect(second).toEqual(first);
      expect(() => producer.append("1")).toThrow(
        expect.objectContaining({ code: "ALREADY_CLOSED" }),
      );
      const res = await stream({ url });
      expect(await res.json()).toEqual([{ a: 1 }, { final: true }]);
      expect(res.streamClosed).toBe(true);
    });

    it("fences a stale epoch with StaleEpochError; autoClaim takes over", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const errors: Error[] = [];
      const zombie = new IdempotentProducer(handle, "worker", {
        epoch: 0,
        onError: (e) => errors.push(e),
      });
      zombie.append(JSON.stringify("z0"));
      await zombie.flush();
      const fresh = new IdempotentProducer(handle, "worker", { epoch: 1 });
      fresh.append(JSON.stringify("f0"));
      await fresh.flush();
      zombie.append(JSON.stringify("z1"));
      await expect(zombie.flush()).rejects.toBeInstanceOf(StaleEpochError);
      expect(errors[0]).toBeInstanceOf(StaleEpochError);
      expect((errors[0] as StaleEpochError).currentEpoch).toBe(1);

      const claimer = new IdempotentProducer(handle, "worker", { autoClaim: true });
      for (let i = 0; i < 20; i++) claimer.append(JSON.stringify(`c${i}`));
      await claimer.flush();
      expect(claimer.epoch).toBe(2);
      await fresh.restart();
      expect(fresh.epoch).toBe(2);
      expect(fresh.nextSeq).toBe(0);
      const items = await (await stream({ url, live: false })).json();
      expect(items).toEqual(["z0", "f0", ...Array.from({ length: 20 }, (_, i) => `c${i}`)]);
    });

    it("sends handle headers on every producer request; producer headers override", async () => {
      const url = streamUrl(server);
      const rec = recordingFetch();
      let n = 0;
      const handle = await DurableStream.create({
        url,
        contentType: "application/json",
        fetch: rec.fetch,
        headers: { "X-Tenant": "acme", "X-Token": () => `handle-${++n}` },
      });
      const producer = new IdempotentProducer(handle, "p-headers", {
        headers: { "X-Token": "producer" },
      });
      producer.append("1");
      await producer.flush();
      await producer.close();
      const posts = rec.calls.filter((c) => c.method === "POST");
      expect(posts.length).toBe(2);
      for (const post of posts) {
        expect(post.headers.get("x-tenant")).toBe("acme");
        expect(post.headers.get("x-token")).toBe("producer");
        expect(post.headers.get("producer-id")).toBe("p-headers");
      }
    });

    it("surfaces a permanent failure to onError and flush(), keeping the message readable", async () => {
      const url = streamUrl(server);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      await handle.close();
      const errors: Error[] = [];
      const producer = new IdempotentProducer(handle, "p-closed", {
        onError: (e) => errors.push(e),
      });
      producer.append("1");
      await expect(producer.flush()).rejects.toBeInstanceOf(StreamClosedError);
      expect(errors).toHaveLength(1);
      expect(() => producer.append("2")).toThrow(StreamClosedError);
      expect(producer.unsentMessages()).toEqual(["1"]);
      await expect(producer.flush()).rejects.toBeInstanceOf(StreamClosedError); // sent again, refused again
      expect(errors).toHaveLength(2);
    });
  });
});

describe("network failures", () => {
  const fewRetries = { initialDelay: 1, maxDelay: 5, multiplier: 1.5, maxRetries: 2 };
  let url: string;

  beforeAll(async () => {
    // A port nobody listens on: connections are refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    url = `http://127.0.0.1:${port}/v1/stream/unreachable`;
  });

  function expectNetworkFetchError(error: unknown) {
    expect(error).toBeInstanceOf(FetchError);
    const fetchError = error as FetchError;
    expect(fetchError.status).toBe(0);
    expect(fetchError.url).toContain(url);
    expect(fetchError.cause).toBeInstanceOf(TypeError); // what fetch rejected with
  }

  it("writes reject with a FetchError carrying the network error as cause", async () => {
    const handle = new DurableStream({
      url,
      contentType: "application/json",
      backoffOptions: fewRetries,
    });
    const error = await handle.create().catch((e: unknown) => e);
    expectNetworkFetchError(error);
  });

  it("reads reject with a FetchError once retries are spent", async () => {
    const error = await stream({ url, backoffOptions: fewRetries }).catch((e: unknown) => e);
    expectNetworkFetchError(error);
  });

  it("a producer reports a FetchError to onError and flush()", async () => {
    const handle = new DurableStream({ url, contentType: "application/json" });
    const reported: Error[] = [];
    const producer = new IdempotentProducer(handle, "unreachable", {
      backoffOptions: fewRetries,
      onError: (e) => reported.push(e),
    });
    producer.append("1");
    const error = await producer.flush().catch((e: unknown) => e);
    expectNetworkFetchError(error);
    expect(reported).toEqual([error]);
  });
});
