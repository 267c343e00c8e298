/**
 * A JSON read wraps stored messages in `[` `]`: an offset inside a message
 * would answer 200 with a body that is not JSON. Offsets off a message
 * boundary are refused with 400; every boundary the server hands out reads.
 */

import { decodeOffset, encodeOffset } from "@durastream/protocol";
import { beforeAll, describe, expect, test } from "vitest";
import { streamUrl, suiteServer } from "./helpers.js";

const suite = suiteServer();
const json = { "content-type": "application/json" };
const APPENDS = ['[{"a":"hello"},{"b":"x, y"}]', '{"c":[1,2]}', '[ 3 , "]" ]'];
/** Positions the server reported after each append (start included). */
const boundaries: number[] = [0];
let url = "";

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

beforeAll(async () => {
  url = streamUrl(suite.server, "jb/source");
  expect((await fetch(url, { method: "PUT", headers: json })).status).toBe(201);
  for (const body of APPENDS) {
    const res = await fetch(url, { method: "POST", headers: json, body });
    expect(res.status).toBe(204);
    boundaries.push(decodeOffset(res.headers.get("stream-next-offset")!)!);
  }
});

describe("JSON stream offsets", () => {
  test("every position inside a message is refused with 400 INVALID_OFFSET", async () => {
    const tail = boundaries[boundaries.length - 1]!;
    const refused: number[] = [];
    for (let position = 1; position < tail; position++) {
      if (boundaries.includes(position)) continue;
      const res = await fetch(`${url}?offset=${encodeOffset(position)}`);
      if (res.status === 400 && (await errorCode(res)) === "INVALID_OFFSET") refused.push(position);
      else await res.body?.cancel();
    }
    expect(refused.length).toBe(tail - 1 - (boundaries.length - 2));
  });

  test("the offset of the finding (inside the first message) is refused, also for live reads", async () => {
    const inside = encodeOffset(5);
    for (const query of [
      `offset=${inside}`,
      `offset=${inside}&live=long-poll`,
      `offset=${inside}&live=sse`,
    ]) {
      const res = await fetch(`${url}?${query}`);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("INVALID_OFFSET");
    }
  });

  test("every boundary the server reported reads as a JSON array", async () => {
    for (const position of boundaries) {
      const res = await fetch(`${url}?offset=${encodeOffset(position)}`);
      expect(res.status).toBe(200);
      expect(Array.isArray(await res.json())).toBe(true);
    }
  });

  test("a fork at an offset inside a message is refused", async () => {
    const res = await fetch(streamUrl(suite.server, "jb/bad-fork"), {
      method: "PUT",
      headers: {
        ...json,
        "stream-forked-from": "jb/source",
        "stream-fork-offset": encodeOffset(5),
      },
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("INVALID_OFFSET");
    const head = await fetch(streamUrl(suite.server, "jb/bad-fork"), { method: "HEAD" });
    expect(head.status).toBe(404);
  });

  test("a fork at a message sub-offset reads from its start and from its fork position", async () => {
    const fork = streamUrl(suite.server, "jb/fork");
    const created = await fetch(fork, {
      method: "PUT",
      headers: {
        ...json,
        "stream-forked-from": "jb/source",
        "stream-fork-offset": encodeOffset(0),
        "stream-fork-sub-offset": "1",
      },
    });
    expect(created.status).toBe(201);
    const whole = await fetch(`${fork}?offset=-1`);
    expect(await whole.json()).toEqual([{ a: "hello" }]);
    const forkPosition = whole.headers.get("stream-next-offset")!;
    const atFork = await fetch(`${fork}?offset=${forkPosition}`);
    expect(atFork.status).toBe(200);
    expect(await atFork.json()).toEqual([]);
  });
});
