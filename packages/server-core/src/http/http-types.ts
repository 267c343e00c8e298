/**
 * The engine's normalized HTTP surface: runtimes translate their native
 * request into an `EngineRequest` and write the `EngineResponse` back.
 */

import type { BodyPart } from "../ports/body-part.js";

export { type BodyPart, type LazyBytes, loadPart, slicePart } from "../ports/body-part.js";

/** A request as the engine sees it. */
export interface EngineRequest {
  readonly method: string;
  /** Stream path relative to the stream root, decoded (e.g. `chat/42`). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Case-insensitive header lookup; null when absent. */
  header(name: string): string | null;
  /**
   * The body: all bytes, a byte stream, or null when there is none. Its bytes
   * are handed over: the engine may keep them as stored data and may rewrite
   * them in place (a JSON append becomes its stored form without a copy).
   */
  readonly body: Uint8Array | AsyncIterable<Uint8Array> | null;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

/** Where a streaming (SSE) body writes its frames. */
export interface ByteSink {
  /** Writes a frame; false means the socket buffer is full: wait for `onDrain`. */
  write(chunk: Uint8Array): boolean;
  /** Calls `callback` once when the buffer has drained. */
  onDrain(callback: () => void): void;
  /** Ends the response. */
  end(): void;
}

/** A body the engine pushes to the runtime's sink until it ends it. */
export interface StreamingBody {
  /** Starts writing; the runtime calls it once with its sink. */
  start(sink: ByteSink): void;
  /** The runtime calls it when the client disconnects. */
  cancel(): void;
}

/** A response as the engine produces it. */
export interface EngineResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Fixed bytes (as a list of parts to avoid copies), a streaming body, or nothing. */
  readonly body: readonly BodyPart[] | StreamingBody | null;
}

/** Whether a response body is a streaming body. */
export function isStreamingBody(body: EngineResponse["body"]): body is StreamingBody {
  return body !== null && !Array.isArray(body);
}
