/**
 * One canonical path per stream, whatever the request-target form. Requests
 * go out on a raw socket so absolute-form targets and percent-encodings reach
 * the server exactly as an attacker would send them.
 */

import { beforeAll, describe, expect, test } from "vitest";
import { jsonErrorCode, rawExchange } from "../../../test-support/raw-http.js";
import { streamUrl, suiteServer } from "./helpers.js";

const suite = suiteServer();
const PROTECTED = "prot/a";
const PROTECTED_BODY = "protected data";

function request(method: string, target: string, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`, "Host: x", "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

async function protectedBody(): Promise<string> {
  const res = await fetch(`${streamUrl(suite.server, PROTECTED)}?offset=-1`);
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  for (const path of [PROTECTED, "scr/x", "a/b"]) {
    const res = await fetch(streamUrl(suite.server, path), {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: path === PROTECTED ? PROTECTED_BODY : "other",
    });
    expect(res.status).toBe(201);
  }
});

describe("dot segments never reach another stream", () => {
  const traversals = [
    "http://x/v1/stream/scr/%2e%2e/prot/a",
    "http://x/v1/stream/scr/%2E%2E/prot/a",
    "http://x/v1/stream/scr/.%2e/prot/a",
    "http://x/v1/stream/scr/../prot/a",
    "HTTP://x:1/v1/stream/scr/x/%2e%2e/%2e%2e/prot/a",
    "http://x/v1/stream/scr/%2e/../prot/a",
    "/v1/stream/scr/%2e%2e/prot/a",
    "/v1/stream/scr/../prot/a",
    "/v1/stream/scr/%2e%2e%2fprot/a",
    "/v1/stream/scr%2f..%2fprot/a",
    "/v1/stream/scr/..%2Fprot/a",
    "http://x/v1/stream/scr/%2e%2e%2fprot%2fa",
  ];
  for (const target of traversals) {
    test(`DELETE ${target} is refused with 400`, async () => {
      const { response } = await rawExchange(suite.server.url, request("DELETE", target));
      expect(response?.status).toBe(400);
      expect(jsonErrorCode(response!)).toBe("BAD_REQUEST");
      expect(await protectedBody()).toBe(PROTECTED_BODY);
    });
  }

  test("an absolute-form target outside the stream root is not resolved into it", async () => {
    const { response } = await rawExchange(
      suite.server.url,
      request("DELETE", "http://x/v1/other/../stream/prot/a"),
    );
    expect(response?.status).toBe(404);
    expect(jsonErrorCode(response!)).toBe("NOT_FOUND");
    expect(await protectedBody()).toBe(PROTECTED_BODY);
  });
});

describe("an encoded slash is refused, never read as a separator", () => {
  for (const target of ["/v1/stream/a%2Fb", "/v1/stream/a%2fb", "http://x/v1/stream/a%2Fb"]) {
    test(`GET ${target} does not read a/b`, async () => {
      const { response } = await rawExchange(suite.server.url, request("GET", target));
      expect(response?.status).toBe(400);
      expect(jsonErrorCode(response!)).toBe("BAD_REQUEST");
    });
  }

  test("PUT a%2Fb creates nothing", async () => {
    const { response } = await rawExchange(
      suite.server.url,
      request("PUT", "/v1/stream/new%2Fone", { "content-type": "text/plain" }),
    );
    expect(response?.status).toBe(400);
    const head = await fetch(streamUrl(suite.server, "new/one"), { method: "HEAD" });
    expect(head.status).toBe(404);
  });
});

describe("every spelling of a valid path names the same stream", () => {
  test("absolute form reads the stream its path names", async () => {
    const { response } = await rawExchange(
      suite.server.url,
      request("GET", "http://x/v1/stream/prot/a?offset=-1"),
    );
    expect(response?.status).toBe(200);
    expect(response?.body.toString()).toBe(PROTECTED_BODY);
  });

  test("percent-encoded ordinary characters decode once to the same stream", async () => {
    const put = await rawExchange(
      suite.server.url,
      request("PUT", "/v1/stream/caf%C3%A9/%7Cpipe%25", { "content-type": "text/plain" }),
    );
    expect(put.response?.status).toBe(201);
    for (const target of [
      "/v1/stream/caf%c3%a9/|pipe%25",
      "http://x/v1/stream/caf%C3%A9/%7cpipe%25",
    ]) {
      const head = await rawExchange(suite.server.url, request("HEAD", target), { head: true });
      expect(head.response?.status).toBe(200);
    }
    // Decoded once: `%2525` is the stream `%25`, not `%`.
    const once = await rawExchange(
      suite.server.url,
      request("HEAD", "/v1/stream/caf%C3%A9/%7Cpipe%2525"),
      { head: true },
    );
    expect(once.response?.status).toBe(404);
  });

  test("raw non-ASCII bytes in the target are refused rather than read as Latin-1", async () => {
    const bytes = Buffer.concat([
      Buffer.from("HEAD /v1/stream/caf"),
      Buffer.from("é", "utf8"),
      Buffer.from("/|pipe%25 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ]);
    const { response } = await rawExchange(suite.server.url, bytes, { head: true });
    expect(response?.status).toBe(400);
  });

  test("malformed percent-encoding is refused", async () => {
    for (const target of ["/v1/stream/a%zz", "/v1/stream/a%", "/v1/stream/a%FF"]) {
      const { response } = await rawExchange(suite.server.url, request("GET", target));
      expect(response?.status).toBe(400);
      expect(jsonErrorCode(response!)).toBe("BAD_REQUEST");
    }
  });
});

describe("Stream-Forked-From names its source by the same rules", () => {
  const fork = (name: string, from: string) =>
    fetch(streamUrl(suite.server, `forks/${name}`), {
      method: "PUT",
      headers: { "content-type": "text/plain", "stream-forked-from": from },
    });

  test("an encoded slash or a dot segment in the source is refused", async () => {
    for (const [name, from] of [
      ["slash", "a%2Fb"],
      ["slash-root", "/v1/stream/a%2fb"],
      ["dots", "scr/%2e%2e/prot/a"],
      ["raw-dots", "/v1/stream/scr/../prot/a"],
    ] as const) {
      const res = await fork(name, from);
      expect(res.status, from).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_HEADER");
      expect(
        (await fetch(streamUrl(suite.server, `forks/${name}`), { method: "HEAD" })).status,
      ).toBe(404);
    }
  });

  test("the canonical spellings still fork", async () => {
    expect((await fork("ok1", "a/b")).status).toBe(201);
    expect((await fork("ok2", "/v1/stream/prot/a")).status).toBe(201);
    const read = await fetch(`${streamUrl(suite.server, "forks/ok2")}?offset=-1`);
    expect(await read.text()).toBe(PROTECTED_BODY);
  });
});
