/**
 * Fetch API ⇄ engine, inside the Durable Object: a `Request` becomes an
 * `EngineRequest` (its body streamed, never buffered here) and an
 * `EngineResponse` a `Response` (fixed bodies as one buffer, SSE as a
 * `ReadableStream` that honours backpressure).
 */

import {
  type ByteSink,
  concatParts,
  type DurableStreamsEngine,
  type EngineRequest,
  type EngineResponse,
  isStreamingBody,
  type StreamingBody,
} from "@durastream/server-core";
import { drainBody } from "../drain-body.js";
import { streamPath } from "../worker/stream-path.js";

/**
 * A request the Worker routed to an object, handled by the object's engine
 * (the URL is the client's), its unread body drained; null when its URL
 * names no stream (the object answers 404).
 */
export async function handleInEngine(
  engine: DurableStreamsEngine,
  request: Request,
  basePath: string,
): Promise<EngineResponse | null> {
  const target = streamPath(request.url, basePath);
  if (target.kind !== "stream") return null;
  const url = new URL(request.url);
  const response = await engine.handle(
    engineRequest(request, target.path, url),
    `${url.origin}${target.pathname}`,
  );
  await drainBody(request);
  return response;
}

/** An `EngineRequest` over a Fetch API request for the stream at `path`. */
export function engineRequest(request: Request, path: string, url: URL): EngineRequest {
  const method = request.method;
  const hasBody = method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
  const stream = hasBody ? request.body : null;
  return {
    method,
    path,
    query: url.searchParams,
    header: (name) => request.headers.get(name),
    body: stream === null ? null : chunksOf(stream),
    signal: request.signal,
  };
}

/** The bytes of a request body, as they arrive (empty reads skipped). */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.byteLength > 0) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A Fetch API response for an engine response. */
export function fetchResponse(response: EngineResponse): Response {
  const headers = new Headers(response.headers);
  const body = response.body;
  if (isStreamingBody(body)) {
    return new Response(streamOf(body), { status: response.status, headers });
  }
  if (body === null || body.length === 0 || response.status === 204 || response.status === 304) {
    return new Response(null, { status: response.status, headers });
  }
  return new Response(concatParts(body), { status: response.status, headers });
}

/**
 * A `ReadableStream` fed by a streaming body. `write` reports a full queue
 * (`desiredSize <= 0`) and `onDrain` fires on the next pull, which is the
 * backpressure contract of `ByteSink`.
 */
function streamOf(body: StreamingBody): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let drain: (() => void) | null = null;
  let ended = false;
  const sink: ByteSink = {
    write(chunk) {
      if (ended) return false;
      controller.enqueue(chunk);
      return (controller.desiredSize ?? 0) > 0;
    },
    onDrain(callback) {
      drain = callback;
    },
    end() {
      if (ended) return;
      ended = true;
      controller.close();
    },
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        body.start(sink);
      },
      pull() {
        const callback = drain;
        drain = null;
        callback?.();
      },
      cancel() {
        ended = true;
        body.cancel();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}
