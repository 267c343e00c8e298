/** `forkStream()` against durastream and the official server (PROTOCOL.md 4.2). */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, DurableStreamError, forkStream } from "../src/index.js";
import { type RunningServer, servers, streamUrl } from "./support/servers.js";

const JSON_TYPE = "application/json";

describe.each(servers)("forkStream against $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server.close();
  });

  const tailOf = async (handle: DurableStream): Promise<string> => {
    const head = await handle.head();
    if (!head.exists || head.offset === undefined) throw new Error("no tail");
    return head.offset;
  };

  /** A JSON stream holding `a`, `b`, `c`, and the offsets where `b` and `c` begin. */
  async function source(): Promise<{ url: string; beforeB: string; beforeC: string }> {
    const url = streamUrl(server, "fork-src");
    const handle = await DurableStream.create({ url, contentType: JSON_TYPE, batching: false });
    await handle.append({ m: "a" });
    const beforeB = await tailOf(handle);
    await handle.append({ m: "b" });
    const beforeC = await tailOf(handle);
    await handle.append({ m: "c" });
    return { url, beforeB, beforeC };
  }

  const messages = async (url: string) =>
    (await (await new DurableStream({ url }).stream({ live: false, json: true })).json()).map(
      (item) => (item as { m: string }).m,
    );

  it("branches at an offset: the fork holds the source before it, the source is untouched", async () => {
    const { url, beforeC } = await source();
    const target = streamUrl(server, "fork");
    // The source as a path, resolved against the fork's URL; headers may be functions.
    const { stream, nextOffset } = await forkStream({
      url: target,
      source: new URL(url).pathname,
      offset: beforeC,
      headers: { "x-trace": async () => "fork-test" },
    });
    expect(stream.url).toBe(target);
    expect(stream.contentType).toBe(JSON_TYPE);
    expect(nextOffset).toBe(beforeC);
    await stream.append({ m: "z" });
    expect(await messages(target)).toEqual(["a", "b", "z"]);
    expect(await messages(url)).toEqual(["a", "b", "c"]);
  });

  it("defaults to the source's tail, and refines the point with subOffset", async () => {
    const { url, beforeB } = await source();
    const whole = streamUrl(server, "fork-tail");
    await forkStream({ url: whole, source: url });
    expect(await messages(whole)).toEqual(["a", "b", "c"]);
    if (impl.name === "durastream") {
      const refined = streamUrl(server, "fork-sub");
      // One JSON message past the start of `b`: the fork holds `a` and `b`.
      await forkStream({ url: refined, source: url, offset: beforeB, subOffset: 1 });
      expect(await messages(refined)).toEqual(["a", "b"]);
    }
  });

  it("another fork at the same URL is a 409 (the same fork again succeeds on durastream)", async () => {
    const { url, beforeB, beforeC } = await source();
    const target = streamUrl(server, "fork-again");
    await forkStream({ url: target, source: url, offset: beforeC });
    // PROTOCOL.md 4.2 makes a repeated fork idempotent; the official server answers 409.
    if (impl.name === "durastream") {
      const again = await forkStream({ url: target, source: url, offset: beforeC });
      expect(again.nextOffset).toBe(beforeC);
    }
    const conflict = await forkStream({ url: target, source: url, offset: beforeB }).catch(
      (e) => e,
    );
    expect(conflict).toBeInstanceOf(DurableStreamError);
    expect((conflict as DurableStreamError).status).toBe(409);
    expect(await messages(target)).toEqual(["a", "b"]);
  });

  it("refuses a missing source (404) and a source on another server before any request", async () => {
    const missing = await forkStream({
      url: streamUrl(server, "fork-orphan"),
      source: streamUrl(server, "no-such-stream"),
    }).catch((e) => e);
    expect((missing as DurableStreamError).status).toBe(404);
    const elsewhere = await forkStream({
      url: streamUrl(server, "fork-far"),
      source: "http://other.invalid/v1/stream/x",
    }).catch((e) => e);
    expect(elsewhere).toBeInstanceOf(DurableStreamError);
    expect((elsewhere as DurableStreamError).status).toBe(400);
  });
});
