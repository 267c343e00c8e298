/** `pipeToStream()` against durastream and the official server. */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream, pipeToStream } from "../src/index.js";
import { type RunningServer, servers, streamUrl } from "./support/servers.js";

async function* values<T>(items: T[], delayMs = 0): AsyncGenerator<T> {
  for (const item of items) {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    yield item;
  }
}

describe.each(servers)("pipeToStream against $name", (impl) => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await impl.start();
  });
  afterAll(async () => {
    await server.close();
  });

  const jsonStream = () =>
    DurableStream.create({ url: streamUrl(server, "pipe"), contentType: "application/json" });

  /** The stream's HEAD, which must exist. */
  const headOf = async (handle: DurableStream) => {
    const head = await handle.head();
    if (!head.exists) throw new Error("stream missing");
    return head;
  };

  /** Every message, read live until the stream is closed. */
  const readToEnd = async (handle: DurableStream) => {
    const items: unknown[] = [];
    for await (const item of (await handle.stream({ live: "sse", json: true })).jsonStream()) {
      items.push(item);
    }
    return items;
  };

  it("writes every value once and closes the stream, so a live reader ends", async () => {
    const handle = await jsonStream();
    const reading = readToEnd(handle);
    const items = Array.from({ length: 50 }, (_, i) => ({ i }));
    const result = await pipeToStream(values(items), handle);
    expect(result.stopped).toBe(false);
    expect(await reading).toEqual(items);
    const head = await headOf(handle);
    expect(head.streamClosed).toBe(true);
    expect(result.offset).toBe(head.offset);
  });

  it("a stop keeps what was read, writes the onStop values, closes and cancels the source", async () => {
    const handle = await jsonStream();
    const stop = new AbortController();
    let cancelled = false;
    async function* endless(): AsyncGenerator<object> {
      try {
        for (let i = 0; ; i++) {
          yield { i };
          // The user stops once three values are out.
          if (i === 2) stop.abort();
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        cancelled = true;
      }
    }
    const result = await pipeToStream(endless(), handle, {
      signal: stop.signal,
      onStop: () => [{ stopped: 1 }, { stopped: 2 }],
    });
    expect(result.stopped).toBe(true);
    expect(await readToEnd(handle)).toEqual([
      { i: 0 },
      { i: 1 },
      { i: 2 },
      { stopped: 1 },
      { stopped: 2 },
    ]);
    expect((await headOf(handle)).streamClosed).toBe(true);
    await expect.poll(() => cancelled).toBe(true);
  });

  it("a failing source rejects after what it produced is stored and the stream closed", async () => {
    const handle = await jsonStream();
    async function* failing() {
      yield { i: 0 };
      yield { i: 1 };
      throw new Error("model failed");
    }
    await expect(pipeToStream(failing(), handle)).rejects.toThrow("model failed");
    expect(await readToEnd(handle)).toEqual([{ i: 0 }, { i: 1 }]);
  });

  it("close: false keeps the stream open; encode can learn where each message begins", async () => {
    const handle = await jsonStream();
    const starts: Array<string | undefined> = [];
    const first = await pipeToStream(values(["x", "y"]), handle, {
      close: false,
      encode: async (value, context) => {
        starts.push(await context.flush());
        return JSON.stringify({ value });
      },
    });
    expect((await headOf(handle)).streamClosed).toBe(false);
    // Before the first write nothing is known; `y` begins where `x` ended.
    expect(starts[0]).toBeUndefined();
    expect(starts[1]).toBeDefined();
    const fromY = await handle.stream({ live: false, json: true, offset: starts[1] });
    expect(await fromY.json()).toEqual([{ value: "y" }]);
    await pipeToStream(values(["z"]), handle, { close: false });
    expect(
      await (await handle.stream({ live: false, json: true, offset: first.offset })).json(),
    ).toEqual(["z"]);
  });
});
