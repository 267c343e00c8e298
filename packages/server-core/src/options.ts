/** Engine tuning and policy, with the defaults a standalone server uses. */

/** Options of the protocol engine. */
export interface EngineOptions {
  /** Largest accepted request body in bytes (413 beyond). Default 64 MiB. */
  maxBodyBytes?: number;
  /** Largest catch-up response body in bytes (more data: `Stream-Up-To-Date` absent). Default 4 MiB. */
  maxReadBytes?: number;
  /** How long a long-poll waits for data before a 204. Default 20 s. */
  longPollTimeoutMs?: number;
  /** How long an SSE connection lives before the server closes it (Section 10.2). Default 60 s. */
  sseMaxConnectionMs?: number;
  /** `Cache-Control` visibility for cacheable reads: `public` or `private`. Default `public`. */
  cacheVisibility?: "public" | "private";
  /**
   * Who runs SSE timers. `engine` (default): the engine's ticker ends SSE
   * connections after `sseMaxConnectionMs` and sends a control event on one
   * idle for `longPollTimeoutMs`. `runtime`: the runtime does both (it calls
   * `SseStream.keepAlive()` and cancels the body), for a runtime that must not
   * hold timers between requests, like a Durable Object that hibernates.
   */
  liveTimers?: "engine" | "runtime";
  /**
   * Retention of streams created without `Stream-Retention-Max-Bytes`: keep
   * at least the newest this many bytes, trim older ones. Default null (keep all).
   */
  retentionMaxBytes?: number | null;
  /**
   * Retention of streams created without `Stream-Retention-Max-Age`: trim data
   * older than this many seconds. Default null (keep all).
   */
  retentionMaxAgeSeconds?: number | null;
  /**
   * Longest fork chain: a fork whose source already has this many ancestors
   * (forks of forks) is refused with 400 `FORK_TOO_DEEP`. Every read below a
   * fork point, and every cascading delete, walks the chain, so its length
   * bounds their cost. Default 1,000.
   */
  maxForkDepth?: number;
  /** Longest accepted `Producer-Id`, in UTF-8 bytes (400 `PRODUCER_ID_TOO_LONG` beyond). Default 256. */
  maxProducerIdBytes?: number;
  /**
   * Idle time after which a producer's state (epoch, last sequence) on a
   * stream is forgotten, in seconds: the producer is then treated as new
   * (Section 5.2.1, "Producer State Cleanup"). Counted from its last accepted
   * append; expired states are deleted by the expiry sweep. Default 7 days.
   */
  producerTtlSeconds?: number;
}

/** Options with every default applied. */
export type ResolvedEngineOptions = Required<EngineOptions>;

/** Applies defaults. */
export function resolveEngineOptions(options: EngineOptions = {}): ResolvedEngineOptions {
  return {
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
    maxReadBytes: options.maxReadBytes ?? 4 * 1024 * 1024,
    longPollTimeoutMs: options.longPollTimeoutMs ?? 20_000,
    sseMaxConnectionMs: options.sseMaxConnectionMs ?? 60_000,
    cacheVisibility: options.cacheVisibility ?? "public",
    liveTimers: options.liveTimers ?? "engine",
    retentionMaxBytes: options.retentionMaxBytes ?? null,
    retentionMaxAgeSeconds: options.retentionMaxAgeSeconds ?? null,
    maxForkDepth: options.maxForkDepth ?? 1_000,
    maxProducerIdBytes: options.maxProducerIdBytes ?? 256,
    producerTtlSeconds: options.producerTtlSeconds ?? 7 * 24 * 3600,
  };
}
