/**
 * Requests node:http's own parser refuses still get a JSON error body (and
 * the connection is closed, since the parser cannot resynchronize); CONNECT
 * is answered rather than dropped. Sent on raw sockets: no client library
 * would send these bytes.
 */

import { describe, expect, test } from "vitest";
import { jsonErrorCode, rawExchange, rawUntilClose } from "../../../test-support/raw-http.js";
import { streamUrl, suiteServer } from "./helpers.js";

const suite = suiteServer({ longPollTimeoutMs: 300, limits: { maxHeaderBytes: 4096 } });

interface Case {
  readonly name: string;
  readonly request: string;
  readonly status: number;
  readonly code: string;
}

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;

const cases: Case[] = [
  {
    name: "a malformed chunk size",
    request: `${head(["POST /v1/stream/ce/a HTTP/1.1", "Host: x", "Content-Type: text/plain", "Transfer-Encoding: chunked"])}zz\r\nhello\r\n0\r\n\r\n`,
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "headers larger than the limit",
    request: head(["GET /v1/stream/ce/a HTTP/1.1", "Host: x", `X-Big: ${"a".repeat(8000)}`]),
    status: 431,
    code: "HEADERS_TOO_LARGE",
  },
  {
    name: "an unknown method",
    request: head(["FROB /v1/stream/ce/a HTTP/1.1", "Host: x"]),
    status: 405,
    code: "METHOD_NOT_ALLOWED",
  },
  {
    name: "a malformed Content-Length",
    request: head(["POST /v1/stream/ce/a HTTP/1.1", "Host: x", "Content-Length: 1x"]),
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "Content-Length and Transfer-Encoding together",
    request: `${head(["POST /v1/stream/ce/a HTTP/1.1", "Host: x", "Content-Length: 5", "Transfer-Encoding: chunked"])}0\r\n\r\n`,
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "a header name with a space",
    request: head(["GET /v1/stream/ce/a HTTP/1.1", "Host: x", "Bad Header: 1"]),
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "an unsupported HTTP version",
    request: head(["GET /v1/stream/ce/a HTTP/7.3", "Host: x"]),
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "a request line that is not HTTP",
    request: "\u0001\u0002\u0003 garbage\r\n\r\n",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "an Expect other than 100-continue",
    request: head(["GET /v1/stream/ce/a HTTP/1.1", "Host: x", "Expect: 200-ok"]),
    status: 417,
    code: "EXPECTATION_FAILED",
  },
  {
    name: "an HTTP/1.1 request without Host",
    request: head(["POST /v1/stream/ce/a HTTP/1.1"]),
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "an HTTP/1.1 GET without Host",
    request: head(["GET /healthz HTTP/1.1"]),
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    name: "CONNECT",
    request: head(["CONNECT example.com:443 HTTP/1.1", "Host: example.com:443"]),
    status: 405,
    code: "METHOD_NOT_ALLOWED",
  },
];

describe("malformed requests get a JSON 4xx and a closed connection", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const { response } = await rawExchange(suite.server.url, c.request);
      expect(response, "a response, not a dropped connection").not.toBeNull();
      expect(response!.status).toBe(c.status);
      expect(jsonErrorCode(response!)).toBe(c.code);
      expect(response!.headers.connection).toBe("close");
    });
  }

  test("the stream the malformed requests named is untouched", async () => {
    const res = await fetch(streamUrl(suite.server, "ce/a"), { method: "HEAD" });
    expect(res.status).toBe(404);
  });
});

describe("a malformed request pipelined behind a valid one", () => {
  const garbage = "FOO\u0001 / HTTP/1.1\r\n\r\n";

  test("is answered after the valid one, never in its place", async () => {
    await fetch(streamUrl(suite.server, "ce/poll"), {
      method: "PUT",
      headers: { "content-type": "text/plain" },
    });
    const responses = await rawUntilClose(
      suite.server.url,
      `GET /v1/stream/ce/poll?offset=now&live=long-poll HTTP/1.1\r\nHost: x\r\n\r\n${garbage}`,
    );
    expect(responses.map((r) => r.status)).toEqual([204, 400]);
    expect(jsonErrorCode(responses[1]!)).toBe("BAD_REQUEST");
  });

  test("behind a quick one in the same packet", async () => {
    const responses = await rawUntilClose(
      suite.server.url,
      `GET /v1/stream/ce/none HTTP/1.1\r\nHost: x\r\n\r\n${garbage}`,
    );
    expect(responses.map((r) => r.status)).toEqual([404, 400]);
  });
});
