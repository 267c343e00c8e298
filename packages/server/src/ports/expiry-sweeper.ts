/**
 * The Node runtime's `ExpiryScheduler`: the engine's sweep reads the store's
 * expiry index (`expiredBefore`, an indexed range scan), so it runs on a
 * steady cadence, and earlier when a stream created in between expires
 * sooner than the next run. A sweep that retires a full batch runs again at
 * once, so a backlog drains without waiting a period per batch.
 */

import type { ExpiryScheduler } from "@durastream/server-core";

/** Streams retired per sweep call (the engine's default batch). */
const SWEEP_BATCH = 1000;

/**
 * Longest delay `setTimeout` takes (2^31-1 ms, about 24.8 days): Node fires a
 * longer one after 1 ms, with a `TimeoutOverflowWarning`. A later due time is
 * reached by re-arming at this delay until it is near.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Sweeps on a timer; `stop()` ends it. */
export class ExpirySweeper implements ExpiryScheduler {
  #sweep: (() => Promise<number>) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (ms since epoch), or Infinity. */
  #due = Number.POSITIVE_INFINITY;
  #running = false;
  #stopped = false;

  /**
   * @param intervalMs longest time between two sweeps.
   * @param onError called with a failed sweep's error (the next one still runs).
   * @param onSwept called after each sweep with the number of streams it retired (metrics).
   */
  constructor(
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly onSwept: (retired: number) => void = () => {},
  ) {}

  start(sweep: () => Promise<number>): void {
    this.#sweep = sweep;
    this.#arm(Date.now() + this.intervalMs);
  }

  wakeAt(at: number): void {
    // Only ever earlier than what is armed: the common case is one comparison.
    if (at >= this.#due || this.#sweep === null) return;
    this.#arm(at);
  }

  /** Stops sweeping (a sweep under way finishes). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = Number.POSITIVE_INFINITY;
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#due = at;
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_TIMER_DELAY_MS);
    this.#timer = setTimeout(() => {
      if (Date.now() < this.#due) this.#arm(this.#due);
      else void this.#run();
    }, delay);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    this.#due = Number.POSITIVE_INFINITY;
    const sweep = this.#sweep;
    if (this.#running || sweep === null) return;
    this.#running = true;
    let full = false;
    try {
      const retired = await sweep();
      this.onSwept(retired);
      full = retired >= SWEEP_BATCH;
    } catch (error) {
      this.onError(error);
    } finally {
      this.#running = false;
    }
    // A wakeAt during the sweep may have armed an earlier run already.
    const next = full ? Date.now() : Date.now() + this.intervalMs;
    if (next < this.#due) this.#arm(next);
  }
}
