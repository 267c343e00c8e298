/**
 * Connection and request limits of the Node server. Each one bounds a
 * resource a client could otherwise hold forever (a socket, a file
 * descriptor, request-body memory, kernel send buffers) and each has a
 * production default; `process/config.ts` exposes them as flags and environment
 * variables.
 */

/** Limits of `startServer({ limits })`; every field optional. */
export interface ServerLimits {
  /**
   * Time a connection has to deliver complete request headers, counted from
   * the connection (or the previous response) on. Also bounds a connection
   * that sends nothing at all. Default 10 s.
   */
  readonly headersTimeoutMs: number;
  /** Time a request has to arrive complete, headers and body. Default 300 s. */
  readonly requestTimeoutMs: number;
  /** Idle time after a response before a keep-alive connection is closed. Default 65 s. */
  readonly keepAliveTimeoutMs: number;
  /**
   * A connection with response bytes queued that the client takes none of
   * for this long is reset (a live reader that stopped reading resumes from
   * its offset). Default 30 s.
   */
  readonly writeTimeoutMs: number;
  /** Open connections at most; further ones are closed on accept. Default 32,000. */
  readonly maxConnections: number;
  /** Largest request head (request line and headers) in bytes; 431 beyond. Default 16 KiB. */
  readonly maxHeaderBytes: number;
  /**
   * Most header fields in one request; 431 beyond. node:http's own cap
   * (`maxHeadersCount`, 2,000) silently drops the fields past it, which could
   * half-apply a request (producer headers or `Stream-Closed` unseen); the
   * server lifts that cap and refuses the whole request instead. Default 100
   * (what Apache httpd allows; clients send about 10).
   */
  readonly maxHeaderCount: number;
  /** Concurrent live reads (long-poll and SSE) in total; 503 beyond. Default 20,000. */
  readonly maxLiveReaders: number;
  /**
   * Concurrent live reads of one stream; 503 beyond. Default 15,000: one stream
   * fanned out to every open dashboard is the common case (`bench/` runs 10,000
   * SSE readers of one stream), and an idle reader costs about 20 KB.
   */
  readonly maxLiveReadersPerStream: number;
  /**
   * Request-body bytes buffered across all requests in flight. A body that
   * would exceed it gets 503 with `Retry-After`; a body larger than the whole
   * budget is admitted only while no other body is in flight. Default 128 MiB.
   */
  readonly bodyBudgetBytes: number;
  /**
   * Most bytes of a refused request's body (503, 404, 413, …) read and
   * discarded so that a client still sending it reads the answer instead of
   * a reset; a larger body is cut off (the connection closed). Default 64 MiB.
   */
  readonly maxDrainBytes: number;
}

/** The production defaults. */
export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 65_000,
  writeTimeoutMs: 30_000,
  maxConnections: 32_000,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxLiveReaders: 20_000,
  maxLiveReadersPerStream: 15_000,
  bodyBudgetBytes: 128 * 1024 * 1024,
  maxDrainBytes: 64 * 1024 * 1024,
};

/** Applies defaults; a headers timeout longer than the request timeout is cut to it. */
export function resolveLimits(limits: Partial<ServerLimits> = {}): ServerLimits {
  const resolved: ServerLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ServerLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`limit ${key} must be a positive integer, got ${value}`);
    }
    (resolved as Record<keyof ServerLimits, number>)[key] = value;
  }
  // Headers arrive within the request's time or not at all (node:http requires it).
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    (resolved as { headersTimeoutMs: number }).headersTimeoutMs = resolved.requestTimeoutMs;
  }
  return resolved;
}
