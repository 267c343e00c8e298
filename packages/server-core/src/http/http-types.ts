/**
 * The engine's normalized HTTP surface: runtimes translate their native
 * request into an `EngineRequest` and write the `EngineResponse` back.
 */

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

/**
 * Bytes of known length read only when written: a stored chunk a catch-up
 * response streams from disk one piece at a time, so a large read neither
 * holds its whole body in memory nor waits for all of it before sending.
 */
export interface LazyBytes {
  readonly length: number;
  /** Reads the bytes; throws when they are gone (the stream was deleted meanwhile). */
  load(): Uint8Array;
}

/** One piece of a fixed-length body: bytes in memory, or bytes to read when written. */
export type BodyPart = Uint8Array | LazyBytes;

/** The bytes of a body part, reading them if needed. */
export function loadPart(part: BodyPart): Uint8Array {
  return part instanceof Uint8Array ? part : part.load();
}

/** `[from, to)` of a body part, without reading it. */
export function slicePart(part: BodyPart, from: number, to: number): BodyPart {
  if (from === 0 && to === part.length) return part;
  if (part instanceof Uint8Array) return part.subarray(from, to);
  return { length: to - from, load: () => part.load().subarray(from, to) };
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
