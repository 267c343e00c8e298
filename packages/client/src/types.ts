/**
 * Public types, shaped exactly like those of `@durable-streams/client` 0.2.x
 * so code written against it type-checks unchanged.
 */

import type { ReadableStreamAsyncIterable } from "./async-iterable.js";

/** An opaque offset token. `-1` is the start of the stream, `now` its current tail. */
export type Offset = string;

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** Header values: strings, or functions evaluated on every request (e.g. token refresh). */
export type HeadersRecord = {
  [key: string]: string | (() => MaybePromise<string>);
};

/** Query parameters: strings, or functions evaluated on every request. */
export type ParamsRecord = {
  [key: string]: string | (() => MaybePromise<string>) | undefined;
};

/**
 * Live mode of a read:
 * - `false`: catch up, stop at the first `upToDate`;
 * - `true`: catch up, then tail (SSE for text and JSON streams, long-poll otherwise);
 * - `"long-poll"` / `"sse"`: catch up, then tail with that transport.
 */
export type LiveMode = boolean | "long-poll" | "sse";

/** Options of {@link stream}. */
export interface StreamOptions {
  /** Full URL of the stream. */
  url: string | URL;
  /** Request headers; function values are evaluated on every request. */
  headers?: HeadersRecord;
  /** Extra query parameters; function values are evaluated on every request. */
  params?: ParamsRecord;
  /** Cancels the session. */
  signal?: AbortSignal;
  /** Custom fetch implementation. */
  fetch?: typeof globalThis.fetch;
  /** Retry timing for transient failures (5xx, 429, network errors). */
  backoffOptions?: BackoffOptions;
  /** Start offset; defaults to `-1` (beginning). */
  offset?: Offset;
  /** Live mode; defaults to `true`. */
  live?: LiveMode;
  /** Treat the stream as JSON even if its content type does not say so. */
  json?: boolean;
  /**
   * Consulted on every failed request of the session (the first request and
   * every later catch-up, long-poll or SSE reconnect). Return an object
   * (optionally with new `headers` / `params`) to retry, or nothing to stop.
   */
  onError?: StreamErrorHandler;
  /** SSE fallback tuning. */
  sseResilience?: SSEResilienceOptions;
  /** Warn about plain-HTTP URLs in browsers (default true). */
  warnOnHttp?: boolean;
  /**
   * Aborts a request that has no response head after this long (ms) and
   * retries it like a dropped connection (reads resume from the last
   * delivered offset, so nothing is lost or repeated). Off by default. Keep
   * it above the server's long-poll timeout (20 s on durastream, 30 s on the
   * official server), or idle long-polls are reconnected needlessly.
   */
  requestTimeoutMs?: number;
}

/** When SSE connections keep ending quickly, fall back to long-poll. */
export interface SSEResilienceOptions {
  /** A connection shorter than this (ms) counts as short. Default 1000. */
  minConnectionDuration?: number;
  /** Consecutive short connections before falling back. Default 3. */
  maxShortConnections?: number;
  /** Base delay (ms) between short-connection reconnects. Default 100. */
  backoffBaseDelay?: number;
  /** Maximum delay (ms) between short-connection reconnects. Default 5000. */
  backoffMaxDelay?: number;
  /** Log a warning when falling back. Default true. */
  logWarnings?: boolean;
}

/** Metadata delivered with every batch. */
export interface JsonBatchMeta {
  /** The next offset to read from after this batch. */
  offset: Offset;
  /** This batch ends at the stream's current tail. */
  upToDate: boolean;
  /** Last cursor seen, if any. */
  cursor?: string;
  /** The stream is closed and this batch holds its final data. */
  streamClosed: boolean;
}

/** Parsed JSON messages with metadata. */
export interface JsonBatch<T = unknown> extends JsonBatchMeta {
  items: ReadonlyArray<T>;
}

/** Raw bytes with metadata. */
export interface ByteChunk extends JsonBatchMeta {
  data: Uint8Array;
}

/** Text with metadata. */
export interface TextChunk extends JsonBatchMeta {
  text: string;
}

/** Options of a {@link DurableStream} handle. */
export interface StreamHandleOptions {
  /** Full URL of the stream. */
  url: string | URL;
  /** Headers sent on every request of the handle, producers included. */
  headers?: HeadersRecord;
  /** Query parameters sent on every request of the handle. */
  params?: ParamsRecord;
  /** Custom fetch implementation. */
  fetch?: typeof globalThis.fetch;
  /** Default AbortSignal of the handle's operations. */
  signal?: AbortSignal;
  /** The stream's content type. */
  contentType?: string;
  /** Default `onError` of reads started from the handle. */
  onError?: StreamErrorHandler;
  /** Coalesce overlapping `append()` calls into one POST (default true). */
  batching?: boolean;
  /** Warn about plain-HTTP URLs in browsers (default true). */
  warnOnHttp?: boolean;
  /**
   * How long (ms) a write keeps retrying transient failures (refused
   * connections, 429, 503 and, where resending is safe, other 5xx and
   * dropped connections) before it gives up. Default 60 000; `Infinity`
   * retries until the operation's signal fires. Producers created on the
   * handle inherit it.
   */
  retryBudgetMs?: number;
  /**
   * Aborts a request that has no response head after this long (ms): writes,
   * and reads started from the handle. Off by default. A plain `append()`
   * that times out rejects (the server may have stored it); producers and
   * reads retry. Producers created on the handle inherit it.
   */
  requestTimeoutMs?: number;
}

/** Options of {@link DurableStream.create}. */
export interface CreateOptions extends StreamHandleOptions {
  /** Sliding time-to-live in seconds. */
  ttlSeconds?: number;
  /** Absolute expiry (RFC 3339). */
  expiresAt?: string;
  /** Initial content. */
  body?: BodyInit | Uint8Array | string;
  /** Coalesce overlapping `append()` calls (default true). */
  batching?: boolean;
  /** Create the stream already closed. */
  closed?: boolean;
}

/** Options of one append. */
export interface AppendOptions {
  /** Writer coordination sequence (`Stream-Seq`). */
  seq?: string;
  /** Content type of this append (must match the stream's). */
  contentType?: string;
  /** Cancels this append. */
  signal?: AbortSignal;
  /** Idempotent producer id (with `producerEpoch` and `producerSeq`). */
  producerId?: string;
  /** Idempotent producer epoch. */
  producerEpoch?: number;
  /** Idempotent producer sequence. */
  producerSeq?: number;
}

/** Result of closing a stream. */
export interface CloseResult {
  /** The stream's final offset. */
  finalOffset: Offset;
}

/** Options of {@link DurableStream.close}. */
export interface CloseOptions {
  /** Final message appended atomically with the close. */
  body?: Uint8Array | string;
  /** Content type of the final message. */
  contentType?: string;
  /** Cancels the close. */
  signal?: AbortSignal;
}

/** @internal */
export type LegacyLiveMode = "long-poll" | "sse";

/** @internal */
export interface ReadOptions {
  offset?: Offset;
  live?: boolean | LegacyLiveMode;
  cursor?: string;
  signal?: AbortSignal;
}

/** HEAD result of an existing stream. */
export interface HeadResultExists {
  exists: true;
  contentType?: string;
  /** The tail offset. */
  offset?: Offset;
  etag?: string;
  cacheControl?: string;
  streamClosed: boolean;
}

/** HEAD result of a missing stream. */
export interface HeadResultNotFound {
  exists: false;
}

/** HEAD result. */
export type HeadResult = HeadResultExists | HeadResultNotFound;

/** Error codes of {@link DurableStreamError}. */
export type DurableStreamErrorCode =
  | "NOT_FOUND"
  | "CONFLICT_SEQ"
  | "CONFLICT_EXISTS"
  | "BAD_REQUEST"
  | "BUSY"
  | "SSE_NOT_SUPPORTED"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "RATE_LIMITED"
  | "ALREADY_CONSUMED"
  | "ALREADY_CLOSED"
  | "PARSE_ERROR"
  | "STREAM_CLOSED"
  | "UNKNOWN";

/** Returned by `onError` to retry, optionally with merged headers / params. */
export type RetryOpts = {
  params?: ParamsRecord;
  headers?: HeadersRecord;
};

/** `onError` handler: return an object to retry, nothing to stop. */
// biome-ignore lint/suspicious/noConfusingVoidType: same signature as @durable-streams/client
export type StreamErrorHandler = (error: Error) => void | RetryOpts | Promise<void | RetryOpts>;

/**
 * A read session returned by {@link stream} or `DurableStream.stream()`.
 * Exactly one consumption method may be used per session.
 */
export interface StreamResponse<TJson = unknown> {
  readonly url: string;
  readonly contentType?: string;
  readonly live: LiveMode;
  readonly startOffset: Offset;
  /** Headers of the most recent response. */
  readonly headers: Headers;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly isLoading: boolean;
  /** Offset following the data most recently delivered to the consumer. */
  readonly offset: Offset;
  readonly cursor?: string;
  readonly upToDate: boolean;
  readonly streamClosed: boolean;

  /** All bytes up to the first `upToDate`. */
  body: () => Promise<Uint8Array>;
  /** All JSON messages up to the first `upToDate`. */
  json: <T = TJson>() => Promise<Array<T>>;
  /** All text up to the first `upToDate`. */
  text: () => Promise<string>;
  /** Bytes as they arrive (live per the session's mode). */
  bodyStream: () => ReadableStreamAsyncIterable<Uint8Array>;
  /** JSON messages one by one as they arrive. */
  jsonStream: () => ReadableStreamAsyncIterable<TJson>;
  /** Text as it arrives. */
  textStream: () => ReadableStreamAsyncIterable<string>;
  /** JSON batches with metadata; an async subscriber applies backpressure. */
  subscribeJson: <T = TJson>(
    subscriber: (batch: JsonBatch<T>) => void | Promise<void>,
  ) => () => void;
  /** Byte chunks with metadata. */
  subscribeBytes: (subscriber: (chunk: ByteChunk) => void | Promise<void>) => () => void;
  /** Text chunks with metadata. */
  subscribeText: (subscriber: (chunk: TextChunk) => void | Promise<void>) => () => void;
  /** Stops the session. */
  cancel: (reason?: unknown) => void;
  /** Settles when the session ends: resolves on EOF/cancel/catch-up end, rejects on error. */
  readonly closed: Promise<void>;
}

/** Options of {@link IdempotentProducer}. */
export interface IdempotentProducerOptions {
  /** Starting epoch (default 0). */
  epoch?: number;
  /** On 403 (stale epoch) claim `serverEpoch + 1` and resend (default false). */
  autoClaim?: boolean;
  /** Batch size that triggers a send (default 1 MiB). */
  maxBatchBytes?: number;
  /** How long a batch waits for more messages (default 5 ms). */
  lingerMs?: number;
  /** Concurrent POSTs (default 5). */
  maxInFlight?: number;
  /** Custom fetch implementation (defaults to the handle's). */
  fetch?: typeof globalThis.fetch;
  /**
   * Extra headers; they override the handle's headers, whatever the case of
   * their names (not protocol headers). Function values are evaluated on
   * every request, so a function returning the current token keeps a
   * long-running producer authorized.
   */
  headers?: HeadersRecord;
  /** Stops the producer (default: the handle's `signal`). `flush()` then rejects. */
  signal?: AbortSignal;
  /**
   * Receives every failure of fire-and-forget writes. After a failure the
   * producer keeps the messages it did not deliver: `flush()` sends them
   * again, `unsentMessages()` reads them back.
   */
  onError?: (error: Error) => void;
  /**
   * Consulted when the server refuses a batch for a reason retrying alone
   * cannot fix, such as 401 (an expired token): return `{ headers }` to send
   * it again with those headers merged over the producer's, or nothing to
   * fail (reported through `onError`). After two immediate retries in a row,
   * further ones are spaced out with backoff. Concurrent failures share one
   * call.
   */
  onRequestError?: (error: Error) => MaybePromise<RetryOpts | undefined>;
  /**
   * Retry timing of transient failures (5xx, 429, network, timeouts):
   * default 100 ms doubling to 5 s. A finite `maxRetries` caps the retries
   * besides `retryBudgetMs`.
   */
  backoffOptions?: Partial<BackoffOptions>;
  /**
   * How long (ms) a batch keeps retrying transient failures before the
   * producer reports the failure (default: the handle's, 60 000; `Infinity`
   * never gives up). Resending is safe: the server deduplicates by producer
   * sequence.
   */
  retryBudgetMs?: number;
  /** Aborts a request with no response head after this long (ms), then retries it (default: the handle's; off). */
  requestTimeoutMs?: number;
}

/** Result of an idempotent append. */
export interface IdempotentAppendResult {
  offset: Offset;
  duplicate: boolean;
}

/** Exponential backoff settings. */
export interface BackoffOptions {
  /** First retry delay ceiling (ms). */
  initialDelay: number;
  /** Largest retry delay (ms). */
  maxDelay: number;
  /** Growth factor of the delay ceiling per attempt. */
  multiplier: number;
  /** Called after every failed attempt. */
  onFailedAttempt?: () => void;
  /** Log retries to the console. */
  debug?: boolean;
  /** Retries before giving up (`Infinity` retries forever). */
  maxRetries?: number;
}
