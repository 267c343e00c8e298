/**
 * HTTP/1.1 over a raw TCP socket, for tests that must send exactly the bytes
 * they mean (absolute-form targets, percent-encodings a client library would
 * normalize, malformed requests) and read exactly what the server answered.
 */

import { connect, type Socket } from "node:net";

/** One response as read off the socket. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What came back for one raw request. */
export interface RawExchange {
  /** The first final (non-1xx) response, or `null` when the server closed without one. */
  readonly response: RawResponse | null;
  /** Bytes received that were not part of a parsed response. */
  readonly rest: Buffer;
  /** Statuses of the interim (1xx) responses before it, e.g. `[100]`. */
  readonly interim: readonly number[];
}

/** Options of `rawExchange`. */
export interface RawExchangeOptions {
  /** The request was HEAD: the response has no body whatever its headers say. */
  readonly head?: boolean;
  /** Give up (reject) after this long without a response or close. Default 10 s. */
  readonly timeoutMs?: number;
  /** Once the response headers are in, stop waiting for the body (live reads). */
  readonly headersOnly?: boolean;
}

/** `host` and `port` of a `http://host:port` URL. */
export function socketAddress(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname.replace(/^\[|\]$/g, ""), port: Number(port) };
}

/** Opens a TCP connection to the server at `url`. */
export function openSocket(url: string): Promise<Socket> {
  const { host, port } = socketAddress(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/**
 * Sends `request` as is on a fresh connection and reads the first final
 * response; the connection is closed afterwards. Rejects if neither a
 * response nor a close arrives within the timeout (a hang).
 */
export async function rawExchange(
  url: string,
  request: string | Uint8Array,
  options: RawExchangeOptions = {},
): Promise<RawExchange> {
  const socket = await openSocket(url);
  try {
    return await new Promise<RawExchange>((resolve, reject) => {
      let received = Buffer.alloc(0);
      let ended = false;
      const timer = setTimeout(
        () => reject(new Error(`no response within ${options.timeoutMs ?? 10_000} ms`)),
        options.timeoutMs ?? 10_000,
      );
      const settle = () => {
        const parsed = parseResponse(received, ended, options);
        if (parsed === "incomplete") {
          if (ended) {
            clearTimeout(timer);
            resolve({ response: null, rest: received, interim: [] });
          }
          return;
        }
        clearTimeout(timer);
        resolve(parsed);
      };
      socket.on("data", (data: Buffer) => {
        received = Buffer.concat([received, data]);
        settle();
      });
      socket.on("end", () => {
        ended = true;
        settle();
      });
      socket.on("close", () => {
        ended = true;
        settle();
      });
      // A reset after the server answered and closed still leaves the answer readable.
      socket.on("error", () => {});
      socket.write(request);
    });
  } finally {
    socket.destroy();
  }
}

/**
 * Sends `request` (possibly several pipelined requests) and reads until the
 * server closes the connection: the responses in the order they came.
 * `heads[i]` marks the i-th request as HEAD (its response has no body).
 * Rejects if the connection is still open after the timeout.
 */
export async function rawUntilClose(
  url: string,
  request: string | Uint8Array,
  options: { readonly timeoutMs?: number; readonly heads?: readonly boolean[] } = {},
): Promise<RawResponse[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket = await openSocket(url);
  const received: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`connection still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on("data", (data: Buffer) => received.push(data));
      socket.on("error", () => {});
      socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.write(request);
    });
  } finally {
    socket.destroy();
  }
  const responses: RawResponse[] = [];
  let rest = Buffer.concat(received);
  while (rest.length > 0) {
    const parsed = parseResponse(rest, true, { head: options.heads?.[responses.length] ?? false });
    if (parsed === "incomplete" || parsed.response === null) break;
    responses.push(parsed.response);
    rest = Buffer.from(parsed.rest);
  }
  return responses;
}

/** A response from the bytes received so far, or "incomplete". */
function parseResponse(
  data: Buffer,
  ended: boolean,
  options: RawExchangeOptions,
): RawExchange | "incomplete" {
  let start = 0;
  const interim: number[] = [];
  for (;;) {
    const headEnd = data.indexOf("\r\n\r\n", start);
    if (headEnd === -1) return "incomplete";
    const lines = data.subarray(start, headEnd).toString("latin1").split("\r\n");
    const statusMatch = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
    if (!statusMatch) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
    const status = Number(statusMatch[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      interim.push(status);
      start = bodyStart;
      continue;
    }
    const done = (end: number, body: Buffer): RawExchange => ({
      response: { status, headers, body },
      rest: data.subarray(end),
      interim,
    });
    if (options.headersOnly) return done(data.length, data.subarray(bodyStart));
    if (options.head || status === 204 || status === 304) {
      return done(bodyStart, Buffer.alloc(0));
    }
    if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
      const body = dechunk(data, bodyStart);
      if (body === undefined) return "incomplete";
      return done(body.end, body.body);
    }
    if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (data.length - bodyStart < length) return "incomplete";
      return done(bodyStart + length, data.subarray(bodyStart, bodyStart + length));
    }
    if (!ended) return "incomplete";
    return done(data.length, data.subarray(bodyStart));
  }
}

/** A chunked body starting at `at`, or `undefined` while incomplete. */
function dechunk(data: Buffer, at: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let position = at;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", position);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(data.subarray(position, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) throw new Error("malformed chunk size in response");
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      // The last chunk's line ends the (empty) trailer section with a blank line.
      const trailerEnd = data.indexOf("\r\n\r\n", lineEnd);
      if (trailerEnd === -1) return undefined;
      return { body: Buffer.concat(parts), end: trailerEnd + 4 };
    }
    if (data.length < chunkStart + size + 2) return undefined;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    position = chunkStart + size + 2;
  }
}

/** The `{"error":{"code","message"}}` body of a response, or `undefined` when it is not one. */
export function jsonErrorCode(response: RawResponse): string | undefined {
  if (!response.headers["content-type"]?.startsWith("application/json")) return undefined;
  try {
    const parsed = JSON.parse(response.body.toString("utf8")) as {
      error?: { code?: unknown; message?: unknown };
    };
    const code = parsed.error?.code;
    return typeof code === "string" && typeof parsed.error?.message === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}
