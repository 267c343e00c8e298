/**
 * A JSON read wraps stored messages in `[` `]`: every boundary the server
 * hands out reads as a JSON array. (An offset inside a message rounds down to
 * that message's start: test-support/offset-inside-message.ts.)
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
  test("every boundary the server reported reads as a JSON array", async () => {
    for (const position of boundaries) {
      const res = await fetch(`${url}?offset=${encodeOffset(position)}`);
      expect(res.status).toBe(200);
      expect(Array.isArray(await res.json())).toBe(true);
    }
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
