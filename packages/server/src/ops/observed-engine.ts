/**
 * The engine as the node adapter sees it, plus metrics and request ids:
 * counts each request by operation and status, the bytes appended and
 * read, and the live readers open; names failed requests (`x-request-id`)
 * so their log lines can be found.
 */

import {
  type ByteSink,
  type DurableStreamsEngine,
  type EngineRequest,
  type EngineResponse,
  isStreamingBody,
  type StreamingBody,
} from "@durastream/server-core";
import type { Logger } from "pino";
import { OPERATION_INDEX, type ReadMode, type ServerMetrics } from "./metrics.js";
import { requestId } from "./request-id.js";

const CREATE = OPERATION_INDEX.create;
const APPEND = OPERATION_INDEX.append;
const READ = OPERATION_INDEX.read;
const LONG_POLL = OPERATION_INDEX.read_long_poll;
const SSE = OPERATION_INDEX.read_sse;
const HEAD = OPERATION_INDEX.head;
const DELETE = OPERATION_INDEX.delete;
const PREFLIGHT = OPERATION_INDEX.preflight;
const RESERVED = OPERATION_INDEX.reserved;
const OTHER = OPERATION_INDEX.other;

/** What the node adapter needs of an engine. */
export interface RequestHandler {
  handle(request: EngineRequest, streamUrl: string): Promise<EngineResponse>;
}

/** Wraps `engine` with metrics and request ids. */
export class ObservedEngine implements RequestHandler {
  constructor(
    private readonly engine: DurableStreamsEngine,
    private readonly metrics: ServerMetrics,
    private readonly logger: Logger,
    private readonly accessLog: boolean,
  ) {}

  async handle(request: EngineRequest, streamUrl: string): Promise<EngineResponse> {
    const operation = operationOf(request);
    if (
      operation === APPEND &&
      request.body !== null &&
      request.header("content-length") === null
    ) {
      request = new CountingRequest(request);
    }
    const metrics = this.metrics;
    if (operation === LONG_POLL) metrics.liveReaders.long_poll++;
    let response: EngineResponse;
    try {
      response = await this.engine.handle(request, streamUrl);
    } finally {
      if (operation === LONG_POLL) metrics.liveReaders.long_poll--;
    }
    const status = response.status;
    metrics.request(operation, status);
    if (status >= 500) response.headers["x-request-id"] = requestId(request);
    if (this.accessLog) {
      this.logger.debug(
        { reqId: requestId(request), method: request.method, path: request.path, status },
        "request",
      );
    }
    if (status < 200 || status >= 300) return response;
    if (operation === APPEND) {
      metrics.appendBytes += appendedBytes(request);
      return response;
    }
    if (operation !== READ && operation !== LONG_POLL && operation !== SSE) return response;
    const body = response.body;
    if (isStreamingBody(body)) {
      return {
        status,
        headers: response.headers,
        body: new CountedStream(body, metrics),
      };
    }
    if (body !== null) {
      let bytes = 0;
      for (const part of body) bytes += part.length;
      const mode: ReadMode = operation === LONG_POLL ? "long_poll" : "catch_up";
      metrics.readBytes[mode] += bytes;
    }
    return response;
  }
}

/** The operation index of a request (method, live mode, reserved namespace). */
function operationOf(request: EngineRequest): number {
  const path = request.path;
  if (path.startsWith("__ds") && (path.length === 4 || path[4] === "/")) {
    return request.method === "OPTIONS" ? PREFLIGHT : RESERVED;
  }
  switch (request.method) {
    case "GET": {
      const live = request.query.get("live");
      return live === "sse" ? SSE : live === "long-poll" ? LONG_POLL : READ;
    }
    case "POST":
      return APPEND;
    case "PUT":
      return CREATE;
    case "HEAD":
      return HEAD;
    case "DELETE":
      return DELETE;
    case "OPTIONS":
      return PREFLIGHT;
    default:
      return OTHER;
  }
}

/** Body bytes of an acknowledged append: its declared length, or as counted while read. */
function appendedBytes(request: EngineRequest): number {
  if (request instanceof CountingRequest) return request.bytes;
  return Number(request.header("content-length")) || 0;
}

/** A request whose body has no declared length (chunked upload), counted as it is read. */
class CountingRequest implements EngineRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: AsyncIterable<Uint8Array>;
  bytes = 0;

  constructor(private readonly inner: EngineRequest) {
    this.method = inner.method;
    this.path = inner.path;
    this.query = inner.query;
    const source = inner.body as AsyncIterable<Uint8Array> | Uint8Array;
    const chunks: AsyncIterable<Uint8Array> | Uint8Array[] =
      source instanceof Uint8Array ? [source] : source;
    const counter = this;
    this.body = {
      async *[Symbol.asyncIterator]() {
        for await (const chunk of chunks) {
          counter.bytes += chunk.byteLength;
          yield chunk;
        }
      },
    };
  }

  header(name: string): string | null {
    return this.inner.header(name);
  }

  get signal(): AbortSignal {
    return this.inner.signal;
  }
}

/** An SSE body counted as an open live reader, with its bytes as they are written. */
class CountedStream implements StreamingBody {
  #open = false;

  constructor(
    private readonly inner: StreamingBody,
    private readonly metrics: ServerMetrics,
  ) {}

  start(sink: ByteSink): void {
    this.#open = true;
    this.metrics.liveReaders.sse++;
    const metrics = this.metrics;
    this.inner.start({
      write(chunk) {
        metrics.readBytes.sse += chunk.byteLength;
        return sink.write(chunk);
      },
      onDrain: (callback) => sink.onDrain(callback),
      end: () => {
        this.#close();
        sink.end();
      },
    });
  }

  cancel(): void {
    this.#close();
    this.inner.cancel();
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.metrics.liveReaders.sse--;
  }
}
