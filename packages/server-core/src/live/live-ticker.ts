/**
 * One coarse timer for all live readers of an engine, instead of a timer per
 * reader rescheduled on every wake-up (at 10,000 SSE subscribers that churn
 * costs more than the writes). It runs only while some reader is registered.
 */

import type { EngineContext } from "../context.js";

/** Something the ticker visits on every tick. */
export interface Ticking {
  /** Called on every tick with the wall clock (ms). */
  tick(now: number): void;
}

const MIN_PERIOD_MS = 10;
const MAX_PERIOD_MS = 1000;

/** Visits its members every `periodMs`. */
export class LiveTicker {
  readonly #members = new Set<Ticking>();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(readonly periodMs: number) {}

  add(member: Ticking): void {
    this.#members.add(member);
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.#tick(), this.periodMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  remove(member: Ticking): void {
    if (!this.#members.delete(member) || this.#members.size > 0 || this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    const now = Date.now();
    for (const member of this.#members) {
      try {
        member.tick(now);
      } catch {
        // One member's failure must not stop the others' timers.
      }
    }
  }
}

const tickers = new WeakMap<EngineContext, LiveTicker>();

/**
 * The engine's ticker: a quarter of its shortest live-read timer (keep-alive,
 * SSE lifetime), between 10 ms and 1 s, so timers fire at most 25% late.
 */
export function liveTicker(ctx: EngineContext): LiveTicker {
  let ticker = tickers.get(ctx);
  if (!ticker) {
    const shortest = Math.min(ctx.options.longPollTimeoutMs, ctx.options.sseMaxConnectionMs);
    const period = Math.min(MAX_PERIOD_MS, Math.max(MIN_PERIOD_MS, Math.floor(shortest / 4)));
    ticker = new LiveTicker(period);
    tickers.set(ctx, ticker);
  }
  return ticker;
}
