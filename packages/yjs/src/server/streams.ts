/**
 * Calls into the Durable Streams engine from the Yjs routes: a request on a
 * stream path, built in process (no HTTP hop), answered by the same engine
 * (and the same auth, limits and storage) as any client request.
 */

import {
  concatParts,
  type EngineRequest,
  type EngineResponse,
  isStreamingBody,
} from "@durastream/server-core";

/** What the Yjs routes need of the engine: `DurableStreamsEngine.handle` (and `trimStream`). */
export interface StreamsEngine {
  handle(request: EngineRequest, streamUrl: string): Promise<EngineResponse>;
  /**
   * `DurableStreamsEngine.trimStream`: trims a stream below an offset,
   * resolving to its new earliest offset (null when it cannot). Optional:
   * without it a document's updates are never trimmed after compactions.
   */
  trimStream?(path: string, offset: string): Promise<string | null>;
}

/** One call on a stream. */
export interface StreamCall {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | AsyncIterable<Uint8Array> | null;
  readonly signal?: AbortSignal;
}

class StreamRequest implements EngineRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Uint8Array | AsyncIterable<Uint8Array> | null;
  readonly signal: AbortSignal;
  readonly #headers: Record<string, string>;

  constructor(call: StreamCall) {
    this.method = call.method;
    this.path = call.path;
    this.query = new URLSearchParams(call.query ?? {});
    this.body = call.body ?? null;
    // A fresh one per call: a Worker refuses I/O objects shared across requests.
    this.signal = call.signal ?? new AbortController().signal;
    this.#headers = {};
    for (const [name, value] of Object.entries(call.headers ?? {})) {
      this.#headers[name.toLowerCase()] = value;
    }
  }

  header(name: string): string | null {
    return this.#headers[name.toLowerCase()] ?? null;
  }
}

/** The engine, called with stream paths relative to the stream root. */
export class Streams {
  constructor(
    private readonly engine: StreamsEngine,
    /** Absolute URL of the stream root, for `Location` headers. */
    private readonly rootUrl: (path: string) => string,
  ) {}

  call(call: StreamCall): Promise<EngineResponse> {
    return this.engine.handle(new StreamRequest(call), this.rootUrl(call.path));
  }

  /** Whether the engine can trim a stream's prefix. */
  get canTrim(): boolean {
    return this.engine.trimStream !== undefined;
  }

  /** Trims stream `path` below `offset` (see `StreamsEngine.trimStream`); null when it cannot. */
  trim(path: string, offset: string): Promise<string | null> {
    return this.engine.trimStream?.(path, offset) ?? Promise.resolve(null);
  }

  /**
   * Reads a stream from `offset` until up to date, one catch-up read per
   * stored page. Null when the stream does not exist; throws on other errors.
   */
  async readPages(
    path: string,
    offset: string,
    headers: Record<string, string>,
  ): Promise<{ pages: Uint8Array[]; nextOffset: string } | null> {
    const pages: Uint8Array[] = [];
    let at = offset;
    for (;;) {
      const response = await this.call({ method: "GET", path, query: { offset: at }, headers });
      if (response.status === 404) return null;
      if (response.status !== 200) throw new Error(`read of ${path} answered ${response.status}`);
      pages.push(bodyBytes(response));
      const next = responseHeader(response, "stream-next-offset");
      if (responseHeader(response, "stream-up-to-date") === "true") {
        at = next ?? at;
        break;
      }
      if (next === null || next === at) throw new Error(`read of ${path} made no progress`);
      at = next;
    }
    return { pages, nextOffset: at };
  }

  /** `readPages`, its pages joined. */
  async readAll(
    path: string,
    offset: string,
    headers: Record<string, string>,
  ): Promise<{ bytes: Uint8Array; nextOffset: string } | null> {
    const read = await this.readPages(path, offset, headers);
    return read && { bytes: concatParts(read.pages), nextOffset: read.nextOffset };
  }
}

/** A response header by name, whatever its case; null when absent. */
export function responseHeader(response: EngineResponse, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return null;
}

/** The whole fixed body of a response (empty for none). */
export function bodyBytes(response: EngineResponse): Uint8Array {
  const body = response.body;
  if (body === null || isStreamingBody(body)) return new Uint8Array(0);
  return concatParts(body);
}

/** A JSON error response `{"error":{"code","message"}}`. */
export function errorResponse(status: number, code: string, message: string): EngineResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: [new TextEncoder().encode(JSON.stringify({ error: { code, message } }))],
  };
}

/**
 * An awareness update's body in memory (it may be sent twice: the stream can
 * be gone and re-created), or null past `max` bytes.
 */
export async function bufferBody(
  body: EngineRequest["body"],
  max: number,
): Promise<Uint8Array | null> {
  if (body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body.length > max ? null : body;
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of body) {
    length += part.length;
    if (length > max) return null;
    parts.push(part);
  }
  return bodyBytes({ status: 200, headers: {}, body: parts });
}
