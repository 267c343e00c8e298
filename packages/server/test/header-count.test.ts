/**
 * A request is applied with all its header fields or not at all. node:http
 * drops the fields past its `maxHeadersCount` (2,000) without a word, so
 * producer headers or `Stream-Closed` sent after 2,100 junk fields (10.5 KB,
 * under the head's byte limit) were ignored and the rest applied. The
 * server reads every field and refuses more than `--max-header-count` with
 * 431; with the limit raised the late fields take effect. Raw sockets: no
 * client library sends 2,100 fields.
 */

import { describe, expect, test } from "vitest";
import { jsonErrorCode, rawExchange } from "../../../test-support/raw-http.js";
import { streamUrl, suiteServer } from "./helpers.js";

/** A POST of `body` to `path` whose `late` header lines come after 2,100 junk fields. */
function lateHeaders(path: string, late: string[], body: string): string {
  const junk = Array.from({ length: 2_100 }, (_, i) => `x${i % 10}: 1`);
  const lines = [
    `POST /v1/stream/${path} HTTP/1.1`,
    "Host: x",
    "Content-Type: text/plain",
    `Content-Length: ${body.length}`,
    ...junk,
    ...late,
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

const producer = ["Producer-Id: p", "Producer-Epoch: 0", "Producer-Seq: 0"];

async function create(url: string): Promise<void> {
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
  expect(res.status).toBe(201);
}

describe("more header fields than --max-header-count (default 100)", () => {
  const suite = suiteServer();

  test("producer headers after 2,100 junk fields: refused with 431 each time, nothing stored", async () => {
    const url = streamUrl(suite.server, "many/producer");
    await create(url);
    for (let i = 0; i < 2; i++) {
      const { response } = await rawExchange(
        suite.server.url,
        lateHeaders("many/producer", producer, "once"),
      );
      expect(response?.status).toBe(431);
      expect(jsonErrorCode(response!)).toBe("HEADERS_TOO_LARGE");
      expect(response!.headers.connection).toBe("close");
    }
    expect(await (await fetch(url)).text()).toBe("");
  });

  test("Stream-Closed: true after the junk: refused with 431, the stream stays open", async () => {
    const url = streamUrl(suite.server, "many/closed");
    await create(url);
    const { response } = await rawExchange(
      suite.server.url,
      lateHeaders("many/closed", ["Stream-Closed: true"], "last"),
    );
    expect(response?.status).toBe(431);
    expect(jsonErrorCode(response!)).toBe("HEADERS_TOO_LARGE");
    const read = await fetch(url);
    expect(await read.text()).toBe("");
    expect(read.headers.get("stream-closed")).toBeNull();
  });
});

describe("with --max-header-count raised past node:http's 2,000", () => {
  const suite = suiteServer({ limits: { maxHeaderCount: 3_000 } });

  test("producer headers after 2,100 junk fields deduplicate: sent twice, stored once", async () => {
    const url = streamUrl(suite.server, "many/producer");
    await create(url);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { response } = await rawExchange(
        suite.server.url,
        lateHeaders("many/producer", producer, "once"),
      );
      statuses.push(response!.status);
    }
    expect(statuses).toEqual([200, 204]);
    expect(await (await fetch(url)).text()).toBe("once");
  });

  test("Stream-Closed: true after the junk closes the stream", async () => {
    const url = streamUrl(suite.server, "many/closed");
    await create(url);
    const { response } = await rawExchange(
      suite.server.url,
      lateHeaders("many/closed", ["Stream-Closed: true"], "last"),
    );
    expect(response?.status).toBe(204);
    const read = await fetch(url);
    expect(await read.text()).toBe("last");
    expect(read.headers.get("stream-closed")).toBe("true");
  });
});
