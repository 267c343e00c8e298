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
} from "@durastream/server-core";
import {
  type Admitted,
  admitRequest,
  isRefusal,
  type RequestAdmission,
} from "./admission/admission.js";
import { drainRefused } from "./drain-refused.js";
import { deferredContinue } from "./expect-continue.js";
import { jsonError } from "./json-responses.js";
import { DEFAULT_LIMITS } from "./limits.js";
import { requestBody } from "./request-body.js";

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
  let admitted: Admitted | undefined;
  if (admission !== undefined) {
    const result = admitRequest(admission, req, res, path, query, hasBody);
    if (isRefusal(result)) {
      writeResponse(
        res,
        hasBody ? drainRefused(req, res, result, admission.maxDrainBytes) : result,
      );
      return;
    }
    admitted = result;
  }
  let body = hasBody ? requestBody(req, deferredContinue(res)) : null;
  if (body !== null && admitted !== undefined) body = admitted.body(body);
  const request = new NodeEngineRequest(req, res, path, query, body);
  const host = target.authority ?? req.headers.host ?? "localhost";
  let response: EngineResponse;
  try {
    response = await engine.handle(request, `http://${host}${pathname}`);
  } finally {
    admitted?.release();
  }
  if (hasBody && !req.readableEnded) {
    // A body the engine did not read (errors before reading, a 503 mid-way)
    // is drained, bounded, so the client reads the answer and keep-alive goes on.
    response = drainRefused(
      req,
      res,
      response,
      admission?.maxDrainBytes ?? DEFAULT_LIMITS.maxDrainBytes,
    );
  }
  const coding = admission?.compression?.choose(req, query, response) ?? null;
  if (coding !== null && !res.destroyed) {
    await admission!.compression!.write(res, response, coding);
    return;
  }
  writeResponse(res, response);
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

/**
 * The reason every request signal aborts with. `abort()` without one builds a
 * `DOMException` (with a stack trace) per response, and every live read's
 * response aborts its signal when it closes, answered or not.
 */
const RESPONSE_CLOSED = Object.freeze(new Error("response closed"));

function abortOnClose(res: ServerResponse): AbortController {
  const abort = new AbortController();
  if (res.closed) abort.abort(RESPONSE_CLOSED);
  else res.once("close", () => abort.abort(RESPONSE_CLOSED));
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

function notFound(pathname: string): EngineResponse {
  return jsonError(404, "NOT_FOUND", `no stream route at ${pathname}`);
}

function badPath(error: unknown): EngineResponse {
  if (!(error instanceof StreamPathError)) throw error;
  return jsonError(400, "BAD_REQUEST", error.message);
}
