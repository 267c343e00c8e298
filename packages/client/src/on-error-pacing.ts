/**
 * Pacing of retries an error handler asks for (`onError` of reads,
 * `onRequestError` of producers): a few immediate retries, so a refreshed
 * token is used at once, then backoff, so a handler that keeps answering a
 * persistent failure with new headers cannot drive a request storm.
 */

import { Backoff, type BackoffOptions, IMMEDIATE_ON_ERROR_RETRIES, sleep } from "./backoff.js";

/** Counts handler-driven retries in a row and delays the ones past the immediate allowance. */
export class OnErrorPacing {
  readonly #backoff: Backoff;
  #inARow = 0;

  /** @param backoff - delays used once the immediate retries are spent (`maxRetries` is ignored) */
  constructor(backoff: BackoffOptions) {
    this.#backoff = new Backoff({ ...backoff, maxRetries: Number.POSITIVE_INFINITY });
  }

  /** Waits before the next handler-driven retry (not at all for the first few in a row). */
  async wait(signal?: AbortSignal): Promise<void> {
    this.#inARow++;
    if (this.#inARow <= IMMEDIATE_ON_ERROR_RETRIES) return;
    await sleep(this.#backoff.next(), signal);
  }

  /** A request succeeded: the next failure starts a fresh allowance. */
  reset(): void {
    this.#inARow = 0;
    this.#backoff.reset();
  }
}
