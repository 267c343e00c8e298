/**
 * JSON mode keeps array elements as sent, whitespace included: every read,
 * live read and fork sub-offset must still see one message per element.
 */

import { describe, expect, test } from "vitest";
import { streamUrl, suiteServer } from "./helpers.js";

describe("JSON mode with whitespace around elements", () => {
  const suite = suiteServer();

  const json = { "content-type": "application/json" };

  test("reads, SSE and a fork at a message sub-offset see the sent messages", async () => {
    const url = streamUrl(suite.server, "ws/source");
    await fetch(url, { method: "PUT", headers: json });
    const bodies = ['[ {"a": [1, 2]} ,\n  "x, y" ]', "\t3 ", '[\n{"b":"]"}\n]'];
    for (const body of bodies) {
      expect((await fetch(url, { method: "POST", headers: json, body })).status).toBe(204);
    }
    const expected = [{ a: [1, 2] }, "x, y", 3, { b: "]" }];
    expect(await (await fetch(`${url}?offset=-1`)).json()).toEqual(expected);

    const sse = await fetch(`${url}?offset=-1&live=sse`);
    const reader = sse.body!.getReader();
    let text = "";
    while (!text.includes('"upToDate":true')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    // One SSE event per blank-line-separated block; its data lines join with newlines.
    const fromSse = text
      .split("\n\n")
      .filter((event) => event.startsWith("event: data"))
      .flatMap((event) => {
        const data = event
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5))
          .join("\n");
        return JSON.parse(data) as unknown[];
      });
    expect(fromSse).toEqual(expected);

    // The first append holds two messages: a fork may take one or both of
    // them past offset 0, not a third (that is past the append's boundary).
    const forkAt = (path: string, subOffset: number) =>
      fetch(streamUrl(suite.server, path), {
        method: "PUT",
        headers: {
          ...json,
          "stream-forked-from": "/v1/stream/ws/source",
          "stream-fork-offset": "0000000000000000_0000000000000000",
          "stream-fork-sub-offset": String(subOffset),
        },
      });
    expect((await forkAt("ws/fork-1", 1)).status).toBe(201);
    const fork = streamUrl(suite.server, "ws/fork-1");
    await fetch(fork, { method: "POST", headers: json, body: "[4]" });
    expect(await (await fetch(`${fork}?offset=-1`)).json()).toEqual([expected[0], 4]);
    expect((await forkAt("ws/fork-3", 3)).status).toBe(400);
  });
});
