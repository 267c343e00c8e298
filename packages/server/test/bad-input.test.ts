/**
 * Every bad input gets the precise 4xx the spec names and a short JSON error
 * body, and nothing already stored changes.
 */

import { beforeAll, describe, expect, test } from "vitest";
import { streamUrl, suiteServer } from "./helpers.js";

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path?: string;
  readonly query?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly status: number;
  readonly code: string;
}

const JSON_STREAM = "bad/json";
const TEXT_STREAM = "bad/text";
const json = { "content-type": "application/json" };
const text = { "content-type": "text/plain" };
const producer = (epoch: string, seq: string) => ({
  ...json,
  "producer-id": "p",
  "producer-epoch": epoch,
  "producer-seq": seq,
});

const cases: Case[] = [
  {
    name: "TTL with a plus sign",
    method: "PUT",
    path: "bad/new1",
    headers: { ...text, "stream-ttl": "+60" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "TTL with leading zeros",
    method: "PUT",
    path: "bad/new2",
    headers: { ...text, "stream-ttl": "060" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "TTL with decimals",
    method: "PUT",
    path: "bad/new3",
    headers: { ...text, "stream-ttl": "60.0" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "TTL and Expires-At together",
    method: "PUT",
    path: "bad/new4",
    headers: { ...text, "stream-ttl": "60", "stream-expires-at": "2030-01-01T00:00:00Z" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "Expires-At not RFC 3339",
    method: "PUT",
    path: "bad/new5",
    headers: { ...text, "stream-expires-at": "tomorrow" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "Expires-At impossible date",
    method: "PUT",
    path: "bad/new6",
    headers: { ...text, "stream-expires-at": "2030-02-30T00:00:00Z" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "malformed Content-Type",
    method: "PUT",
    path: "bad/new7",
    headers: { "content-type": "not a type" },
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "invalid JSON on create",
    method: "PUT",
    path: "bad/new8",
    headers: json,
    body: "{nope",
    status: 400,
    code: "INVALID_JSON",
  },
  {
    name: "re-create with another content type",
    method: "PUT",
    path: JSON_STREAM,
    headers: text,
    status: 409,
    code: "STREAM_EXISTS",
  },
  {
    name: "partial producer headers",
    method: "POST",
    path: JSON_STREAM,
    headers: { ...json, "producer-id": "p", "producer-epoch": "0" },
    body: "{}",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "empty Producer-Id",
    method: "POST",
    path: JSON_STREAM,
    headers: { ...json, "producer-id": "", "producer-epoch": "0", "producer-seq": "0" },
    body: "{}",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "non-integer epoch",
    method: "POST",
    path: JSON_STREAM,
    headers: producer("1.5", "0"),
    body: "{}",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "negative seq",
    method: "POST",
    path: JSON_STREAM,
    headers: producer("0", "-1"),
    body: "{}",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "epoch beyond 2^53-1",
    method: "POST",
    path: JSON_STREAM,
    headers: producer("9007199254740992", "0"),
    body: "{}",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "stale producer epoch",
    method: "POST",
    path: JSON_STREAM,
    headers: producer("0", "0"),
    body: "{}",
    status: 403,
    code: "STALE_EPOCH",
  },
  {
    name: "producer sequence gap",
    method: "POST",
    path: JSON_STREAM,
    headers: producer("5", "7"),
    body: "{}",
    status: 409,
    code: "PRODUCER_SEQ_GAP",
  },
  {
    name: "new epoch not starting at 0",
    method: "POST",
    path: JSON_STREAM,
    headers: producer("6", "3"),
    body: "{}",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "invalid JSON append",
    method: "POST",
    path: JSON_STREAM,
    headers: json,
    body: '{"a":',
    status: 400,
    code: "INVALID_JSON",
  },
  {
    name: "empty JSON array append",
    method: "POST",
    path: JSON_STREAM,
    headers: json,
    body: "[]",
    status: 400,
    code: "EMPTY_ARRAY",
  },
  {
    name: "empty body without close",
    method: "POST",
    path: JSON_STREAM,
    headers: json,
    status: 400,
    code: "EMPTY_BODY",
  },
  {
    name: "missing Content-Type on append",
    method: "POST",
    path: TEXT_STREAM,
    body: "x",
    status: 400,
    code: "INVALID_HEADER",
  },
  {
    name: "wrong Content-Type on append",
    method: "POST",
    path: TEXT_STREAM,
    headers: json,
    body: "{}",
    status: 409,
    code: "CONTENT_TYPE_MISMATCH",
  },
  {
    name: "Stream-Seq regression",
    method: "POST",
    path: TEXT_STREAM,
    headers: { ...text, "stream-seq": "0001" },
    body: "x",
    status: 409,
    code: "SEQUENCE_CONFLICT",
  },
  {
    name: "oversized body",
    method: "POST",
    path: TEXT_STREAM,
    headers: text,
    body: "x".repeat(2048),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "malformed offset",
    method: "GET",
    path: TEXT_STREAM,
    query: "offset=abc",
    status: 400,
    code: "INVALID_OFFSET",
  },
  {
    name: "unknown live mode",
    method: "GET",
    path: TEXT_STREAM,
    query: "offset=-1&live=websocket",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "live read without offset",
    method: "GET",
    path: TEXT_STREAM,
    query: "live=long-poll",
    status: 400,
    code: "INVALID_OFFSET",
  },
  {
    name: "unknown stream (read)",
    method: "GET",
    path: "bad/missing",
    status: 404,
    code: "STREAM_NOT_FOUND",
  },
  {
    name: "unknown stream (append)",
    method: "POST",
    path: "bad/missing",
    headers: text,
    body: "x",
    status: 404,
    code: "STREAM_NOT_FOUND",
  },
  {
    name: "unknown stream (delete)",
    method: "DELETE",
    path: "bad/missing",
    status: 404,
    code: "STREAM_NOT_FOUND",
  },
  {
    name: "fork of an unknown source",
    method: "PUT",
    path: "bad/fork1",
    headers: { ...text, "stream-forked-from": "/v1/stream/bad/missing" },
    status: 404,
    code: "FORK_SOURCE_NOT_FOUND",
  },
  {
    name: "fork offset malformed",
    method: "PUT",
    path: "bad/fork2",
    headers: { ...text, "stream-forked-from": TEXT_STREAM, "stream-fork-offset": "zzz" },
    status: 400,
    code: "INVALID_OFFSET",
  },
  {
    name: "fork sub-offset overshoot",
    method: "PUT",
    path: "bad/fork3",
    headers: {
      ...text,
      "stream-forked-from": TEXT_STREAM,
      "stream-fork-offset": "0000000000000000_0000000000000000",
      "stream-fork-sub-offset": "999",
    },
    status: 400,
    code: "INVALID_OFFSET",
  },
  {
    name: "fork sub-offset negative",
    method: "PUT",
    path: "bad/fork4",
    headers: { ...text, "stream-forked-from": TEXT_STREAM, "stream-fork-sub-offset": "-1" },
    status: 400,
    code: "INVALID_OFFSET",
  },
  {
    name: "fork with another content type",
    method: "PUT",
    path: "bad/fork5",
    headers: { ...json, "stream-forked-from": TEXT_STREAM },
    status: 409,
    code: "CONTENT_TYPE_MISMATCH",
  },
  {
    name: "empty segment in the path",
    method: "GET",
    path: "bad//text",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "unsupported method",
    method: "PATCH",
    path: TEXT_STREAM,
    headers: text,
    body: "x",
    status: 405,
    code: "METHOD_NOT_ALLOWED",
  },
];

describe("bad input", () => {
  const suite = suiteServer({ maxBodyBytes: 1024 });

  async function snapshot(path: string): Promise<string> {
    const head = await fetch(streamUrl(suite.server, path), { method: "HEAD" });
    const body = await (await fetch(`${streamUrl(suite.server, path)}?offset=-1`)).text();
    return `${head.status} ${head.headers.get("stream-next-offset")} ${head.headers.get("stream-closed")} ${body}`;
  }

  beforeAll(async () => {
    await fetch(streamUrl(suite.server, JSON_STREAM), {
      method: "PUT",
      headers: json,
      body: '[{"a":1}]',
    });
    await fetch(streamUrl(suite.server, JSON_STREAM), {
      method: "POST",
      headers: producer("5", "0"),
      body: '{"b":2}',
    });
    await fetch(streamUrl(suite.server, TEXT_STREAM), {
      method: "PUT",
      headers: text,
      body: "hello",
    });
    await fetch(streamUrl(suite.server, TEXT_STREAM), {
      method: "POST",
      headers: { ...text, "stream-seq": "0002" },
      body: " world",
    });
  });

  test.each(cases)("$name → $status $code, nothing changes", async (c) => {
    const before = [await snapshot(JSON_STREAM), await snapshot(TEXT_STREAM)];
    const url = `${suite.server.url}/v1/stream/${c.path}${c.query ? `?${c.query}` : ""}`;
    // Bytes, not a string: fetch would add a text/plain Content-Type of its own.
    const body = c.body === undefined ? null : new TextEncoder().encode(c.body);
    const res = await fetch(url, { method: c.method, headers: c.headers ?? {}, body });
    expect(res.status).toBe(c.status);
    expect(res.headers.get("content-type")).toBe("application/json");
    const error = (await res.json()) as { error: { code: string; message: string } };
    expect(error.error.code).toBe(c.code);
    expect(error.error.message.length).toBeGreaterThan(0);
    expect([await snapshot(JSON_STREAM), await snapshot(TEXT_STREAM)]).toEqual(before);
    if (c.method === "PUT" && c.path !== JSON_STREAM) {
      expect((await fetch(streamUrl(suite.server, c.path!), { method: "HEAD" })).status).toBe(404);
    }
  });
});
