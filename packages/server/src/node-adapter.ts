/**
 * node:http ⇄ engine. Turns an IncomingMessage into an `EngineRequest` (the
 * body streamed, never buffered here) and writes the `EngineResponse` back,
 * honouring socket backpressure for streaming bodies.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  decodeStreamPath,
  parseRequestTarget,
  type RequestTarget,
  StreamPathError,
} from "@durastream/protocol";
import {
  type BodyPart,
  type ByteSink,
  type DurableStreamsEngine,
  type EngineRequest,
  type EngineResponse,
  isStreamingBody,
  loadPart,
  ProtocolError,
} from "@durastream/server-core";
import type { BodyBudget } from "./body-budget.js";
import type { Compression } from "./compression.js";
import type { LiveReaderLimit } from "./live-readers.js";
import type { RateLimiter, RateRefusal } from "./ops/rate-limit.js";
import { requestBody } from "./request-body.js";

const encoder = new TextEncoder();

/**
 * What the adapter checks before the engine runs: the global request-body
 * budget and the live-reader caps. Without it nothing is limited here.
 */
export interface RequestAdmission {
  readonly bodyBudget: BodyBudget;
  readonly liveReaders: LiveReaderLimit;
  /** The engine's body size limit: larger declared bodies get its 413, not a reservation. */
  readonly maxBodyBytes: number;
  /** Request and body-byte rates per client, when configured. */
  readonly rateLimit?: RateLimiter | undefined;
  /** Told of each request refused here, by error code (metrics). */
  readonly onRefused?: (code: "RATE_LIMITED" | "OVERLOADED") => void;
  /** Compression of catch-up responses, when turned on. */
  readonly compression?: Compression | undefined;
}

/** Handles one node:http request with the engine, for streams under `basePath`. */
export async function handleNodeRequest(
  engine: Pick<DurableStreamsEngine, "handle">,
  basePath: string,
  req: IncomingMessage,
  res: ServerResponse,
  admission?: RequestAdmission,
): Promise<void> {
  // The target is split and decoded by hand, once, before routing: `new URL`
  // would resolve dot segments (also percent-encoded ones) of an absolute-form
  // target before the path is validated, and costs time on small appends.
  let target: RequestTarget;
  let path: string;
  try {
    target = parseRequestTarget(req.url ?? "/");
  } catch (error) {
    writeResponse(res, badPath(error));
    return;
  }
  const pathname = target.pathname;
  const prefix = streamPrefix(basePath);
  if (!pathname.startsWith(prefix)) {
    writeResponse(res, notFound(pathname));
    return;
  }
  try {
    path = decodeStreamPath(pathname.slice(prefix.length));
  } catch (error) {
    writeResponse(res, badPath(error));
    return;
  }
  const query = target.query === "" ? NO_QUERY : new URLSearchParams(target.query);
  const hasBody =
    req.method !== "GET" &&
    req.method !== "HEAD" &&
    req.method !== "OPTIONS" &&
    req.method !== "DELETE" &&
    req.headers["content-length"] !== "0";
  let reserved = 0;
  let budgeted = false;
  if (admission !== undefined) {
    const declared = hasBody ? declaredLength(req) : 0;
    const refusal = admission.rateLimit?.admit(req, declared ?? 0);
    if (refusal) {
      admission.onRefused?.("RATE_LIMITED");
      writeResponse(res, rateLimited(refusal, hasBody));
      return;
    }
    if (req.method === "GET" && !admitLiveRead(admission.liveReaders, path, query, res)) {
      admission.onRefused?.("OVERLOADED");
      return;
    }
    if (declared === undefined) {
      budgeted = true;
    } else if (declared > 0 && declared <= admission.maxBodyBytes) {
      if (!admission.bodyBudget.tryReserve(declared)) {
        const message = "request bodies in flight exceed the server's budget";
        admission.onRefused?.("OVERLOADED");
        writeResponse(res, overloaded(message, true));
        return;
      }
      reserved = declared;
    }
  }
  let body = hasBody ? requestBody(req) : null;
  if (budgeted) {
    body = budgetedBody(body!, admission!.bodyBudget, admission!.maxBodyBytes);
    const limiter = admission!.rateLimit;
    if (limiter) body = chargedBody(body, (bytes) => limiter.charge(req, bytes));
  }
  const request = new NodeEngineRequest(req, res, path, query, body);
  const host = target.authority ?? req.headers.host ?? "localhost";
  let response: EngineResponse;
  try {
    response = await engine.handle(request, `http://${host}${pathname}`);
  } finally {
    if (reserved > 0) admission!.bodyBudget.release(reserved);
  }
  if (hasBody && !req.readableEnded) {
    // A body the engine did not read (errors before reading) must not stall
    // keep-alive; one refused mid-way is not worth receiving: close after.
    if (response.status === 503) response = withConnectionClose(response);
    req.resume();
  }
  const coding = admission?.compression?.choose(req, query, response) ?? null;
  if (coding !== null && !res.destroyed) {
    await admission!.compression!.write(res, response, coding);
    return;
  }
  writeResponse(res, response);
}

/** A body without a declared length, charged to its client's byte rate as it is read. */
async function* chargedBody(
  body: AsyncIterable<Uint8Array>,
  charge: (bytes: number) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    charge(chunk.byteLength);
    yield chunk;
  }
}

/** Declared `Content-Length`, or undefined for chunked bodies. */
function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers["content-length"];
  return header === undefined ? undefined : Number(header);
}

/**
 * Admits a live read (long-poll or SSE) under the caps, releasing it when
 * its response closes; answers 503 and returns false when a cap is reached.
 */
function admitLiveRead(
  limit: LiveReaderLimit,
  path: string,
  query: URLSearchParams,
  res: ServerResponse,
): boolean {
  const live = query.get("live");
  if (live !== "long-poll" && live !== "sse") return true;
  const admitted = limit.admit(path);
  if (typeof admitted === "function") {
    res.once("close", admitted);
    return true;
  }
  const scope = admitted === "stream" ? "this stream" : "the server";
  writeResponse(res, overloaded(`too many live readers on ${scope}`, false));
  return false;
}

/**
 * A chunked body counted against the budget as its chunks arrive; a 503 as
 * soon as it no longer fits. The reservation is returned when iteration ends.
 */
async function* budgetedBody(
  body: AsyncIterable<Uint8Array>,
  budget: BodyBudget,
  maxBodyBytes: number,
): AsyncGenerator<Uint8Array> {
  let reserved = 0;
  try {
    for await (const chunk of body) {
      // Past the size limit the engine answers 413 at once: that is not the budget's to refuse.
      const needed = Math.min(chunk.length, maxBodyBytes - reserved);
      if (needed > 0 && !budget.tryReserve(needed)) {
        throw new ProtocolError(
          503,
          "OVERLOADED",
          "request bodies in flight exceed the server's budget",
          RETRY_AFTER,
        );
      }
      reserved += Math.max(0, needed);
      yield chunk;
    }
  } finally {
    budget.release(reserved);
  }
}

/** The query of requests without one (the engine only reads queries). */
const NO_QUERY = new URLSearchParams();

const prefixes = new Map<string, string>();

/** `basePath` with one trailing slash: stream paths start after it. */
function streamPrefix(basePath: string): string {
  let prefix = prefixes.get(basePath);
  if (prefix === undefined) {
    prefix = `${basePath.replace(/\/+$/, "")}/`;
    prefixes.set(basePath, prefix);
  }
  return prefix;
}

/**
 * An `EngineRequest` over a node:http request. A class rather than an object
 * literal with closures and a getter: one small object per request.
 */
class NodeEngineRequest implements EngineRequest {
  readonly method: string;
  readonly body: AsyncIterable<Uint8Array> | null;
  #abort: AbortController | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly path: string,
    readonly query: URLSearchParams,
    body: AsyncIterable<Uint8Array> | null,
  ) {
    this.method = req.method ?? "GET";
    this.body = body;
  }

  header(name: string): string | null {
    const value = this.req.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  // Created on first use (only live reads need it): an AbortController
  // aborted on every closed response is a measurable cost on small appends.
  get signal(): AbortSignal {
    this.#abort ??= abortOnClose(this.res);
    return this.#abort.signal;
  }
}

function abortOnClose(res: ServerResponse): AbortController {
  const abort = new AbortController();
  if (res.closed) abort.abort();
  else res.once("close", () => abort.abort());
  return abort;
}

/** Writes an engine response to a node:http response. */
export function writeResponse(res: ServerResponse, response: EngineResponse): void {
  if (res.destroyed) {
    if (isStreamingBody(response.body)) response.body.cancel();
    return;
  }
  const body = response.body;
  if (isStreamingBody(body)) {
    res.writeHead(response.status, response.headers);
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.once("close", () => body.cancel());
    body.start(streamingSink(res));
    return;
  }
  const parts = body ?? [];
  let length = 0;
  let inMemory = true;
  for (const part of parts) {
    length += part.length;
    if (!(part instanceof Uint8Array)) inMemory = false;
  }
  // A flat [name, value, …] list: node:http takes it as is, and copying the
  // headers into a new object per response costs measurable time.
  const headers: (string | number)[] = [];
  for (const name in response.headers) headers.push(name, response.headers[name]!);
  if (response.status !== 204 && response.status !== 304) headers.push("content-length", length);
  res.writeHead(response.status, headers as string[]);
  if (parts.length === 0 || response.status === 204 || response.status === 304) {
    res.end();
    return;
  }
  if (!inMemory) {
    void writeStoredParts(res, parts);
    return;
  }
  res.cork();
  for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
  res.end(parts[parts.length - 1]);
  res.uncork();
}

/**
 * Writes a body whose parts are read from storage as they go out: one part
 * is read while the socket sends the last, and none is read before the
 * socket has room (memory per response stays about one chunk). Small parts
 * (a JSON body's brackets) go out in the same write as the next one.
 */
async function writeStoredParts(res: ServerResponse, parts: readonly BodyPart[]): Promise<void> {
  res.cork();
  for (let i = 0; i < parts.length; i++) {
    if (res.destroyed) return;
    let bytes: Uint8Array;
    try {
      bytes = loadPart(parts[i]!);
    } catch (error) {
      // The data went away mid-response (stream deleted): the length promised
      // in the headers cannot be met, so the client must see a broken response.
      res.destroy(error as Error);
      return;
    }
    if (i === parts.length - 1) {
      res.end(bytes);
      res.uncork();
      return;
    }
    if (!res.write(bytes)) {
      res.uncork();
      await drained(res);
      res.cork();
    }
  }
}

/** Resolves when `res` can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Node's own fields of a response that tell whether its bytes go straight to its socket. */
interface ResponseInternals {
  readonly chunkedEncoding: boolean;
  readonly _hasBody?: boolean;
  readonly outputData?: readonly unknown[];
}

/** Chunk-framed copies of frames written to many responses (an SSE frame to every subscriber). */
const framedChunks = new WeakMap<Uint8Array, Buffer>();
/** Larger chunks are written as header, chunk and CRLF rather than copied into one frame. */
const MAX_FRAMED_COPY = 64 * 1024;
const CRLF = Buffer.from("\r\n");

/**
 * The sink of a streaming body. Once the headers are on the socket and the
 * response owns it, a chunk goes out as one socket write of exactly the bytes
 * `res.write` would produce (`<hex size>\r\n<chunk>\r\n`), framed once per
 * chunk and shared by every response writing the same chunk; otherwise (a
 * pipelined response still queued, HTTP/1.0 without chunking) `res.write`.
 */
function streamingSink(res: ServerResponse): ByteSink {
  const internals = res as unknown as ResponseInternals;
  let drainFromSocket = false;
  const ownedSocket = () => {
    const socket = res.socket;
    if (
      socket === null ||
      socket.destroyed ||
      (socket as unknown as { _httpMessage?: unknown })._httpMessage !== res ||
      !internals.chunkedEncoding ||
      internals._hasBody === false ||
      (internals.outputData?.length ?? 1) !== 0 ||
      res.writableEnded
    ) {
      return null;
    }
    return socket;
  };
  return {
    write(chunk) {
      const socket = ownedSocket();
      drainFromSocket = socket !== null;
      if (socket === null || chunk.byteLength === 0) return res.write(chunk);
      let framed = framedChunks.get(chunk);
      if (framed === undefined) {
        const size = `${chunk.byteLength.toString(16)}\r\n`;
        if (chunk.byteLength > MAX_FRAMED_COPY) {
          socket.cork();
          socket.write(size, "latin1");
          socket.write(chunk);
          const writable = socket.write(CRLF);
          socket.uncork();
          return writable;
        }
        framed = Buffer.allocUnsafe(size.length + chunk.byteLength + 2);
        framed.write(size, 0, "latin1");
        framed.set(chunk, size.length);
        framed.set(CRLF, size.length + chunk.byteLength);
        framedChunks.set(chunk, framed);
      }
      return socket.write(framed);
    },
    onDrain(callback) {
      if (drainFromSocket && res.socket) res.socket.once("drain", callback);
      else res.once("drain", callback);
    },
    end: () => res.end(),
  };
}

function jsonError(status: number, code: string, message: string): EngineResponse {
  return {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "cross-origin-resource-policy": "cross-origin",
      "access-control-allow-origin": "*",
    },
    body: [encoder.encode(JSON.stringify({ error: { code, message } }))],
  };
}

const RETRY_AFTER = { "retry-after": "1" };

/** 503 with `Retry-After`; `close` when the request's body is left unread. */
function overloaded(message: string, close: boolean): EngineResponse {
  const response = jsonError(503, "OVERLOADED", message);
  Object.assign(response.headers, RETRY_AFTER);
  return close ? withConnectionClose(response) : response;
}

/** 429 with `Retry-After`; the connection closes when the request's body is left unread. */
function rateLimited(refusal: RateRefusal, unreadBody: boolean): EngineResponse {
  const response = jsonError(429, "RATE_LIMITED", refusal.message);
  response.headers["retry-after"] = String(refusal.retryAfterSeconds);
  return unreadBody ? withConnectionClose(response) : response;
}

function withConnectionClose(response: EngineResponse): EngineResponse {
  return { ...response, headers: { ...response.headers, connection: "close" } };
}

function notFound(pathname: string): EngineResponse {
  return jsonError(404, "NOT_FOUND", `no stream route at ${pathname}`);
}

function badPath(error: unknown): EngineResponse {
  if (!(error instanceof StreamPathError)) throw error;
  return jsonError(400, "BAD_REQUEST", error.message);
}
