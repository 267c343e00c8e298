/**
 * Offsets inside a stored message, at the protocol level, for every runtime:
 * a read (catch-up, long-poll, SSE) or a fork at an offset that falls inside
 * a stored message starts at that message's start, as the official server
 * does ("every message whose end offset is greater than the offset"). The
 * official Yjs server depends on it: it reads updates from its snapshot's
 * offset with one added to the token's second part. An offset past the tail
 * (that same offset before the next update arrives) reads at the tail.
 *
 * A message is one append on a byte stream and one JSON value on a JSON
 * stream. `describeOffsetsInsideMessages` defines the suite against a server
 * whose stream root is `root()` (e.g. `http://127.0.0.1:1234/v1/stream`).
 */

import { describe, expect, test } from "vitest";

const TEXT = { "content-type": "text/plain" };
const JSON_TYPE = { "content-type": "application/json" };

/** The token of byte position `position` (the server's fixed-width form). */
function token(position: number): string {
  return `${"0".repeat(16)}_${String(position).padStart(16, "0")}`;
}

/** What the official Yjs server does to an offset: one more in the second part. */
function incrementOffset(offset: string): string {
  const [high, low] = offset.split("_") as [string, string];
  return `${high}_${String(Number(low) + 1).padStart(low.length, "0")}`;
}

/** The first `event: data` payload of an SSE read, then the read is dropped. */
async function firstSseData(url: string): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`SSE ended before a data event: ${text}`);
      text += decoder.decode(value, { stream: true });
      for (const event of text.split("\n\n").slice(0, -1)) {
        if (!event.startsWith("event: data")) continue;
        return event
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
          .join("\n");
      }
    }
  } finally {
    controller.abort();
  }
}

/** Defines the suite against the stream root `root()`; `name` tells the runtime. */
export function describeOffsetsInsideMessages(name: string, root: () => string): void {
  describe(`${name}: an offset inside a stored message reads from that message's start`, () => {
    let id = 0;
    const fresh = (kind: string) => `${root()}/inside-${kind}-${Date.now()}-${id++}`;

    /** A text stream with sequential appends, then `together` appends issued at once. */
    async function byteStream(sequential: string[], together: string[]) {
      const url = fresh("bytes");
      expect((await fetch(url, { method: "PUT", headers: TEXT })).status).toBe(201);
      const spans: Array<{ text: string; start: number; end: number }> = [];
      let previous = 0;
      for (const text of sequential) {
        const res = await fetch(url, { method: "POST", headers: TEXT, body: text });
        expect(res.status).toBe(204);
        const end = Number(res.headers.get("stream-next-offset")!.split("_")[1]);
        spans.push({ text, start: previous, end });
        previous = end;
      }
      // Issued without waiting: a store may commit them together in one chunk.
      const ends = await Promise.all(
        together.map(async (text) => {
          const res = await fetch(url, { method: "POST", headers: TEXT, body: text });
          expect(res.status).toBe(204);
          return Number(res.headers.get("stream-next-offset")!.split("_")[1]);
        }),
      );
      for (const [i, text] of together.entries()) {
        spans.push({ text, start: ends[i]! - text.length, end: ends[i]! });
      }
      spans.sort((a, b) => a.start - b.start);
      const whole = await (await fetch(`${url}?offset=-1`)).text();
      return { url, spans, whole };
    }

    test("byte stream: catch-up reads round down to the append, even in a shared commit", async () => {
      const together = Array.from({ length: 12 }, (_, i) => `<${i}:${"t".repeat(i + 3)}>`);
      const { url, spans, whole } = await byteStream(["AAAA", "BBBBBB"], together);
      for (const { start, end } of spans) {
        for (const position of [start + 1, end - 1]) {
          const res = await fetch(`${url}?offset=${token(position)}`);
          expect(res.status).toBe(200);
          expect(await res.text()).toBe(whole.slice(start));
          expect(res.headers.get("stream-next-offset")).toBe(token(whole.length));
        }
        // A boundary itself is not rounded.
        expect(await (await fetch(`${url}?offset=${token(end)}`)).text()).toBe(whole.slice(end));
      }
    });

    test("byte stream: the official Yjs server's incremented offset reads the next append whole", async () => {
      const { url, whole } = await byteStream(["snapshot-marker", "\u0005hello"], []);
      const boundary = token("snapshot-marker".length);
      const res = await fetch(`${url}?offset=${incrementOffset(boundary)}`);
      expect(await res.text()).toBe(whole.slice("snapshot-marker".length));
    });

    test("byte stream: an offset past the tail reads at the tail (catch-up, long-poll, SSE)", async () => {
      const { url, whole } = await byteStream(["snapshot-taken-here"], []);
      const past = incrementOffset(token(whole.length));
      const read = await fetch(`${url}?offset=${past}`);
      expect(read.status).toBe(200);
      expect(await read.text()).toBe("");
      expect(read.headers.get("stream-next-offset")).toBe(token(whole.length));
      expect(read.headers.get("stream-up-to-date")).toBe("true");
      // A live read there waits at the tail and gets the next append whole.
      const polled = fetch(`${url}?offset=${past}&live=long-poll`);
      const sse = firstSseData(`${url}?offset=${token(whole.length + 5)}&live=sse`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await fetch(url, { method: "POST", headers: TEXT, body: "next-update" });
      const answer = await polled;
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe("next-update");
      expect(await sse).toBe("next-update");
    });

    test("byte stream: long-poll and SSE at an offset inside the last append answer it at once", async () => {
      const { url, spans, whole } = await byteStream(["first", "second-append"], []);
      const last = spans[spans.length - 1]!;
      const inside = token(last.start + 3);
      const polled = await fetch(`${url}?offset=${inside}&live=long-poll`);
      expect(polled.status).toBe(200);
      expect(await polled.text()).toBe(whole.slice(last.start));
      expect(await firstSseData(`${url}?offset=${inside}&live=sse`)).toBe(whole.slice(last.start));
    });

    test("byte stream: a fork at an offset inside an append inherits the appends before it", async () => {
      const { url, spans, whole } = await byteStream(["one", "two-two", "three"], []);
      const second = spans[1]!;
      const fork = fresh("bytes-fork");
      const created = await fetch(fork, {
        method: "PUT",
        headers: {
          ...TEXT,
          "stream-forked-from": new URL(url).pathname,
          "stream-fork-offset": token(second.start + 2),
        },
      });
      expect(created.status).toBe(201);
      const read = await fetch(`${fork}?offset=-1`);
      expect(await read.text()).toBe(whole.slice(0, second.start));
      expect(read.headers.get("stream-next-offset")).toBe(token(second.start));
      // A read of the fork inside an inherited append starts at that append.
      const inherited = await fetch(`${fork}?offset=${token(1)}`);
      expect(await inherited.text()).toBe(whole.slice(0, second.start));
    });

    const MESSAGES = [{ a: "x,y]" }, { b: [1, 2] }, "}", { c: 3 }];

    /** A JSON stream holding MESSAGES (a batch of three, then one), with each message's span. */
    async function jsonStream() {
      const url = fresh("json");
      expect((await fetch(url, { method: "PUT", headers: JSON_TYPE })).status).toBe(201);
      const batch = JSON.stringify(MESSAGES.slice(0, 3));
      expect((await fetch(url, { method: "POST", headers: JSON_TYPE, body: batch })).status).toBe(
        204,
      );
      const res = await fetch(url, {
        method: "POST",
        headers: JSON_TYPE,
        body: JSON.stringify(MESSAGES[3]),
      });
      const tail = Number(res.headers.get("stream-next-offset")!.split("_")[1]);
      // Stored form: each message's JSON text followed by a comma.
      const spans: Array<{ start: number; end: number }> = [];
      let at = 0;
      for (const message of MESSAGES) {
        const end = at + JSON.stringify(message).length + 1;
        spans.push({ start: at, end });
        at = end;
      }
      expect(at).toBe(tail);
      return { url, spans, tail };
    }

    test("JSON stream: every offset inside a message reads from that message (one JSON value)", async () => {
      const { url, spans, tail } = await jsonStream();
      for (let position = 1; position < tail; position++) {
        const first = spans.findIndex((span) => span.end > position);
        const res = await fetch(`${url}?offset=${token(position)}`);
        expect(res.status, `offset ${position}`).toBe(200);
        expect(await res.json(), `offset ${position}`).toEqual(MESSAGES.slice(first));
      }
    });

    test("JSON stream: long-poll and SSE inside a message, and a fork inside a batch", async () => {
      const { url, spans } = await jsonStream();
      const inside = token(spans[1]!.start + 2);
      const polled = await fetch(`${url}?offset=${inside}&live=long-poll`);
      expect(await polled.json()).toEqual(MESSAGES.slice(1));
      expect(JSON.parse(await firstSseData(`${url}?offset=${inside}&live=sse`))).toEqual(
        MESSAGES.slice(1),
      );
      const fork = fresh("json-fork");
      const created = await fetch(fork, {
        method: "PUT",
        headers: {
          ...JSON_TYPE,
          "stream-forked-from": new URL(url).pathname,
          "stream-fork-offset": token(spans[2]!.start + 1),
        },
      });
      expect(created.status).toBe(201);
      expect(await (await fetch(`${fork}?offset=-1`)).json()).toEqual(MESSAGES.slice(0, 2));
      expect(await (await fetch(`${fork}?offset=${token(spans[1]!.start + 1)}`)).json()).toEqual(
        MESSAGES.slice(1, 2),
      );
    });
  });
}
