/** Live reads over the engine: one wake-up per append per stream, coalescing, cursors. */

import { encodeOffset } from "@durastream/protocol";
import { describe, expect, it } from "vitest";
import {
  type ByteSink,
  CURSOR_EPOCH_MS,
  CURSOR_INTERVAL_MS,
  type StreamingBody,
} from "../src/index.js";
import { header, testEngine, text } from "./support/engine.js";

const decoder = new TextDecoder();

/** An SSE sink that collects frames and resolves when one contains `marker`. */
function sseSink(): ByteSink & { text(): string; until(marker: string): Promise<void> } {
  let collected = "";
  const pending: Array<{ marker: string; resolve: () => void }> = [];
  return {
    write(chunk) {
      collected += decoder.decode(chunk);
      for (const entry of pending.splice(0)) {
        if (collected.includes(entry.marker)) entry.resolve();
        else pending.push(entry);
      }
      return true;
    },
    onDrain() {},
    end() {},
    text: () => collected,
    until(marker) {
      if (collected.includes(marker)) return Promise.resolve();
      return new Promise((resolve) => pending.push({ marker, resolve }));
    },
  };
}

describe("engine wake-ups", () => {
  it("notifies the hub once per append, only for the stream appended to", async () => {
    const { call, hub, store } = testEngine();
    await call("PUT", "a");
    await call("PUT", "b");
    const a = store.get("a")!.id;
    const b = store.get("b")!.id;
    for (const part of ["1", "2", "3"]) await call("POST", "a", { body: part });
    await call("POST", "a", { headers: { "stream-closed": "true" } });
    expect(hub.notified.get(a)).toBe(4);
    expect(hub.notified.get(b)).toBeUndefined();
  });

  it("answers a waiting long-poll once with every append that arrived before its wake-up", async () => {
    const { call } = testEngine();
    await call("PUT", "s");
    const poll = call("GET", "s", {
      query: { offset: encodeOffset(0), live: "long-poll" },
    });
    // Three appends acknowledged in a row, before the hub's deferred run starts.
    await Promise.all(["x", "y", "z"].map((body) => call("POST", "s", { body })));
    const response = await poll;
    expect(response.status).toBe(200);
    expect(text(response)).toBe("xyz");
  });

  it("wakes an SSE reader with one frame for appends that arrived together", async () => {
    const { call } = testEngine();
    await call("PUT", "s");
    const response = await call("GET", "s", { query: { offset: "-1", live: "sse" } });
    const sink = sseSink();
    (response.body as StreamingBody).start(sink);
    await sink.until("upToDate");
    const before = sink.text().split("event: data").length;
    await Promise.all(["x", "y", "z"].map((body) => call("POST", "s", { body })));
    await sink.until("xyz");
    expect(sink.text().split("event: data").length).toBe(before + 1);
    (response.body as StreamingBody).cancel();
  });
});

describe("engine cursors", () => {
  const interval = (now: number) => Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);

  it("gives live reads the clock's interval, and a greater cursor to a client that echoed it", async () => {
    const { call, clock } = testEngine();
    await call("PUT", "s", { body: "data" });
    const current = interval(clock.now());
    const first = await call("GET", "s", { query: { offset: "-1", live: "long-poll" } });
    expect(header(first, "stream-cursor")).toBe(String(current));
    const echoed = await call("GET", "s", {
      query: { offset: "-1", live: "long-poll", cursor: String(current) },
    });
    expect(Number(header(echoed, "stream-cursor"))).toBeGreaterThan(current);
    const stale = await call("GET", "s", {
      query: { offset: "-1", live: "long-poll", cursor: String(current - 5) },
    });
    expect(header(stale, "stream-cursor")).toBe(String(current));
  });

  it("moves the cursor with the injected clock", async () => {
    const { call, clock } = testEngine();
    await call("PUT", "s", { body: "data" });
    const before = header(
      await call("GET", "s", { query: { offset: "-1", live: "long-poll" } }),
      "stream-cursor",
    );
    clock.time += 3 * CURSOR_INTERVAL_MS;
    const after = header(
      await call("GET", "s", { query: { offset: "-1", live: "long-poll" } }),
      "stream-cursor",
    );
    expect(Number(after) - Number(before)).toBe(3);
  });

  it("never sends a cursor on a closed stream's final read", async () => {
    const { call } = testEngine();
    await call("PUT", "s", { body: "data", headers: { "stream-closed": "true" } });
    const response = await call("GET", "s", { query: { offset: "-1", live: "long-poll" } });
    expect(header(response, "stream-closed")).toBe("true");
    expect(header(response, "stream-cursor")).toBeUndefined();
  });
});
