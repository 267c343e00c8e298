/**
 * Seeded generator of raw HTTP/1.1 requests for the fuzzer: mostly
 * well-formed protocol requests with hostile values (bad offsets, headers,
 * bodies, traversal attempts at the protected streams), and a share of
 * byte-level damage (broken request lines, chunk sizes, header syntax).
 * Requests only ever name the protected streams through spellings the
 * server must refuse, or as read-only sources (reads, fork sources).
 */

import { encodeOffset } from "@durastream/protocol";

/** One generated request. */
export interface FuzzRequest {
  readonly bytes: Buffer;
  /** HEAD: the response has no body. */
  readonly head: boolean;
  /** Short description for failure messages. */
  readonly label: string;
}

/** Streams the fuzzer may create, write and delete (all under `scr/`). */
export const SCRATCH = ["scr/a", "scr/b", "scr/json", "scr/c/d", "scr/closed"];

/**
 * A generator over `random`, aimed at protected streams `protectedPaths`.
 * Called with `keepAlive`, the request leaves the connection open (the
 * first of a pipelined pair); otherwise it asks the server to close it.
 */
export function requestGenerator(
  random: () => number,
  protectedPaths: readonly string[],
): (keepAlive?: boolean) => FuzzRequest {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => random() < p;

  const junk = (max: number) => {
    const alphabet = "ab%2e/.\\:?#&=;, \t\"'{}[]<>|^`~!$()*+@0123456789éz\u0000\u0001\u007f\r\n";
    let s = "";
    for (let i = int(max); i > 0; i--) s += alphabet[int(alphabet.length)];
    return s;
  };
  const scratch = () => pick(SCRATCH);
  const target = () => pick(protectedPaths);
  const path = (): string =>
    chance(0.5)
      ? scratch()
      : pick([
          () => scratch(),
          () => scratch(),
          () => scratch(),
          () => `scr/%2e%2e/${target()}`,
          () => `scr/%2E%2E/${target()}`,
          () => `scr/../${target()}`,
          () => `scr/.%2e/${target()}`,
          () => `scr/x/%2e%2e/%2e%2e/${target()}`,
          () => `scr%2f..%2f${target()}`,
          () => `scr/..%2F${target().replaceAll("/", "%2F")}`,
          () => target().replace("/", "%2F"),
          () => `./${target()}`,
          () => `${target()}/`,
          () => `${target()}//x`,
          () => `scr/${encodeURIComponent(junk(12))}`,
          () => `scr/${junk(10)}`,
          () => `__ds/${pick(["streams", "nothing", "subscriptions/x", "jwks.json"])}`,
          () => "",
          () => `scr/${"x".repeat(int(2000))}`,
          () => `scr/%${pick(["", "z", "zz", "c3", "ff", "80%80"])}`,
        ])();
  const offset = (): string =>
    pick([
      "-1",
      "now",
      encodeOffset(int(400)),
      encodeOffset(0),
      encodeOffset(2 ** 53 - 1),
      "0000000000000000_0000000000000005",
      "-2",
      "",
      "1",
      junk(8),
      `${encodeOffset(3)}x`,
      "0000000000000001_0000000000000000",
    ]);
  const query = (): string => {
    const parts: string[] = [];
    if (chance(0.6)) parts.push(`offset=${encodeURIComponent(offset())}`);
    if (chance(0.15)) parts.push(`live=${pick(["long-poll", "sse", "yes", "", "SSE"])}`);
    if (chance(0.1)) parts.push(`cursor=${pick(["1", "abc", "-5", "99999999999999999999"])}`);
    if (chance(0.05)) parts.push(junk(10));
    return parts.length === 0 ? "" : `?${parts.join("&")}`;
  };
  const contentType = () =>
    pick([
      "text/plain",
      "application/json",
      "application/octet-stream",
      "application/JSON; charset=utf-8",
      "text",
      "",
      "a/b/c",
      junk(10),
    ]);
  const headerSet = (): [string, string][] => {
    const headers: [string, string][] = [];
    const maybe = (p: number, name: string, values: () => string) => {
      if (chance(p)) headers.push([name, values()]);
    };
    maybe(0.6, "Content-Type", contentType);
    maybe(0.1, "Stream-TTL", () =>
      pick(["60", "0", "-1", "+5", "1.5", "99999999999999999999", junk(4)]),
    );
    maybe(0.1, "Stream-Expires-At", () =>
      pick(["2030-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2030-02-30T00:00:00Z", junk(6)]),
    );
    maybe(0.15, "Stream-Closed", () => pick(["true", "TRUE", "false", "1", ""]));
    maybe(0.1, "Stream-Seq", () => pick(["a", "b", "00001", "", junk(5)]));
    if (chance(0.2)) {
      maybe(0.9, "Producer-Id", () => pick(["p1", "p2", "", junk(5)]));
      maybe(0.9, "Producer-Epoch", () => pick(["0", "1", "-1", "01", "9007199254740992", junk(3)]));
      maybe(0.9, "Producer-Seq", () => pick(["0", "1", "2", "5", "-1", "1e3", junk(3)]));
    }
    if (chance(0.1)) {
      maybe(0.9, "Stream-Forked-From", () =>
        pick([
          target(),
          `/v1/stream/${target()}`,
          scratch(),
          `scr/../${target()}`,
          "none",
          junk(6),
        ]),
      );
      maybe(0.5, "Stream-Fork-Offset", offset);
      maybe(0.3, "Stream-Fork-Sub-Offset", () => pick(["0", "1", "3", "100", "-1", "x"]));
    }
    maybe(0.05, "If-None-Match", () => pick(['"x"', "*", junk(6)]));
    maybe(0.05, "Authorization", () => pick(["Bearer x", "Basic y", junk(6)]));
    maybe(0.05, "Origin", () => pick(["http://evil.example", "null"]));
    maybe(0.05, "Expect", () => pick(["100-continue", "100-Continue", "200-ok"]));
    maybe(0.03, "X-Large", () => "v".repeat(int(20_000)));
    return headers;
  };
  const body = (type: string): Buffer => {
    const json = type.toLowerCase().includes("json");
    return pick([
      () => Buffer.alloc(0),
      () => Buffer.from(json ? '{"a":1}' : "hello"),
      () => Buffer.from(json ? '[{"a":"hello"},{"b":[1,2]}]' : "x".repeat(int(5000))),
      () => Buffer.from(json ? "[]" : junk(30)),
      () => Buffer.from(pick(["[", "{", '"', "[1,]", "nul", "1 2", '{"a":1}}', "\ufeff[1]"])),
      () => Buffer.from(Array.from({ length: int(64) }, () => int(256))),
    ])();
  };

  return (keepAlive = false) => {
    const method = chance(0.95)
      ? pick(["GET", "GET", "HEAD", "PUT", "POST", "POST", "DELETE", "OPTIONS", "PATCH"])
      : pick(["FOO", "CONNECT", "get", "G ET", "", "TRACE", junk(5)]);
    const requestPath = path();
    const requestTarget = chance(0.2)
      ? `http://${pick(["x", "x:1", "[::1]:2", ""])}/v1/stream/${requestPath}${query()}`
      : chance(0.03)
        ? pick(["*", "v1/stream/x", "/", "/v1/streams/x", junk(10)])
        : `/v1/stream/${requestPath}${query()}`;
    const headers = headerSet();
    const type = headers.find(([name]) => name === "Content-Type")?.[1] ?? "";
    const payload = method === "GET" || method === "HEAD" ? Buffer.alloc(0) : body(type);
    const framing = int(10);
    const version = chance(0.97)
      ? "HTTP/1.1"
      : pick(["HTTP/1.0", "HTTP/2.0", "HTTP/1.1 x", "http/1.1"]);
    const lines = [`${method} ${requestTarget} ${version}`, "Host: fuzz"];
    if (!keepAlive) lines.push("Connection: close");
    for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    let tail: Buffer;
    if (framing === 0 && payload.length > 0) {
      // Chunked, sometimes with a broken chunk size.
      lines.push("Transfer-Encoding: chunked");
      const size = chance(0.3)
        ? pick(["zz", "-1", "ffffffffffffffffff", ""])
        : payload.length.toString(16);
      tail = Buffer.concat([Buffer.from(`${size}\r\n`), payload, Buffer.from("\r\n0\r\n\r\n")]);
    } else if (framing === 1) {
      // A Content-Length that is wrong (short or malformed): the server must not hang on it for long.
      lines.push(
        `Content-Length: ${pick([String(payload.length + 1), "1x", "-3", `${payload.length}, 5`])}`,
      );
      tail = payload;
    } else {
      if (payload.length > 0 || method === "POST" || method === "PUT") {
        lines.push(`Content-Length: ${payload.length}`);
      }
      tail = payload;
    }
    // Header-level damage: bad names, folded lines, duplicate framing, NUL bytes.
    if (chance(0.02)) lines.push(`Bad Header${junk(2)}: x`);
    if (chance(0.01)) lines.push("X-Folded: a", " continued");
    if (chance(0.01)) lines.push(`Content-Length: ${int(10)}`);
    if (chance(0.01)) lines.push("X-Nul: a\u0000b");
    if (chance(0.01)) lines.push("Transfer-Encoding: gzip, chunked");
    const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
    return {
      bytes: Buffer.concat([head, tail]),
      head: method === "HEAD",
      label: `${method} ${requestTarget.slice(0, 120)} [${headers.map(([n]) => n).join(",")}]`,
    };
  };
}
