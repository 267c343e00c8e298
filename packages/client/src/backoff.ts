/**
 * Retry timing for transient failures: capped exponential backoff with
 * jitter, with the server's `Retry-After` as a floor.
 */

import { FetchBackoffAbortError, FetchError, networkFailure } from "./errors.js";
import type { BackoffOptions } from "./types.js";

export type { BackoffOptions };

/** Default backoff of reads: 100 ms growing ×1.3 to 60 s, retrying forever. */
export const BackoffDefaults: BackoffOptions = {
  initialDelay: 100,
  maxDelay: 60_000,
  multiplier: 1.3,
  maxRetries: Number.POSITIVE_INFINITY,
};

/**
 * Default backoff of writes (appends, producers, create, close, delete, head):
 * 100 ms doubling to 5 s. Writes are bounded by a time budget
 * ({@link WRITE_RETRY_BUDGET_MS}) rather than a number of retries.
 */
export const WriteBackoffDefaults: BackoffOptions = {
  initialDelay: 100,
  maxDelay: 5_000,
  multiplier: 2,
  maxRetries: Number.POSITIVE_INFINITY,
};

/**
 * Default time (ms) a write keeps retrying transient failures before it gives
 * up: long enough to ride out an ordinary server restart or deploy.
 */
export const WRITE_RETRY_BUDGET_MS = 60_000;

/**
 * Immediate retries `onError` may ask for in a row before the retries are
 * spaced out with backoff (a handler that keeps answering a persistent 401
 * with new headers must not drive hundreds of requests a second).
 */
export const IMMEDIATE_ON_ERROR_RETRIES = 2;

/** Statuses worth retrying: the server may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Milliseconds to wait according to a `Retry-After` value (seconds or HTTP date); 0 when absent. */
export function parseRetryAfterHeader(value: string | null | undefined): number {
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds * 1000, 3_600_000);
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, Math.min(date - Date.now(), 3_600_000));
  return 0;
}

/** Tracks the delay ceiling across attempts of one operation. */
export class Backoff {
  #ceiling: number;
  #attempts = 0;
  readonly #options: BackoffOptions;

  constructor(options: BackoffOptions) {
    this.#options = options;
    this.#ceiling = options.initialDelay;
  }

  /** Attempts made so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /** Whether another retry is allowed. */
  canRetry(): boolean {
    return this.#attempts < (this.#options.maxRetries ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Counts an attempt and returns how long to wait before the next one: a
   * random point in the upper half of the current ceiling (jitter spreads
   * clients apart; the lower bound keeps retries from bunching up at 0), at
   * least `retryAfterMs`.
   */
  next(retryAfterMs = 0): number {
    this.#attempts++;
    this.#options.onFailedAttempt?.();
    const ceiling = Math.min(this.#ceiling, this.#options.maxDelay);
    const jittered = ceiling / 2 + (Math.random() * ceiling) / 2;
    this.#ceiling = Math.min(this.#ceiling * this.#options.multiplier, this.#options.maxDelay);
    return Math.max(retryAfterMs, jittered);
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempts = 0;
    this.#ceiling = this.#options.initialDelay;
  }
}

/** Resolves after `ms`, or rejects with the abort reason when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Wraps a fetch so 429, 5xx and network errors are retried with backoff;
 * other non-2xx responses, and failures left when retries run out, throw
 * {@link FetchError} (a network failure keeps the original error as `cause`).
 */
export function createFetchWithBackoff(
  fetchClient: typeof fetch,
  backoffOptions: BackoffOptions = BackoffDefaults,
): typeof fetch {
  return async (input, init) => {
    const backoff = new Backoff(backoffOptions);
    const url = input instanceof Request ? input.url : input.toString();
    for (;;) {
      let error: unknown;
      let retryAfter = 0;
      try {
        const response = await fetchClient(input, init);
        if (response.ok) return response;
        error = await FetchError.fromResponse(response, url);
        if (!isRetryableStatus(response.status)) throw error;
        retryAfter = parseRetryAfterHeader(response.headers.get("retry-after"));
      } catch (e) {
        if (init?.signal?.aborted) throw new FetchBackoffAbortError();
        if (e instanceof FetchError && !isRetryableStatus(e.status)) throw e;
        error = e;
      }
      if (!backoff.canRetry()) throw networkFailure(error, url);
      const wait = backoff.next(retryAfter);
      if (backoffOptions.debug) console.log(`Retry attempt #${backoff.attempts} after ${wait}ms`);
      try {
        await sleep(wait, init?.signal ?? undefined);
      } catch {
        throw new FetchBackoffAbortError();
      }
    }
  };
}

/** Wraps a fetch so the response body is fully read before the promise resolves. */
export function createFetchWithConsumedBody(fetchClient: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchClient(input, init);
    if (response.status < 200 || response.status === 204 || response.status === 205) {
      return response;
    }
    try {
      const buffer = await response.arrayBuffer();
      return new Response(buffer, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } catch (err) {
      if (init?.signal?.aborted) throw new FetchBackoffAbortError();
      const headers: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const error = new FetchError(
        response.status,
        undefined,
        undefined,
        headers,
        input instanceof Request ? input.url : input.toString(),
        err instanceof Error ? err.message : "failed to read body",
      );
      error.cause = err;
      throw error;
    }
  };
}
