/** Fixed-resolution latency histogram: 0.1 ms buckets up to 60 s, one overflow bucket. */

const BUCKETS_PER_MS = 10;
const MAX_MS = 60_000;

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class LatencyHistogram {
  readonly #buckets = new Uint32Array(MAX_MS * BUCKETS_PER_MS + 1);
  #count = 0;
  #maxMs = 0;

  record(latencyMs: number): void {
    const clamped = Math.max(0, latencyMs);
    const index = Math.min(Math.floor(clamped * BUCKETS_PER_MS), this.#buckets.length - 1);
    this.#buckets[index]!++;
    this.#count++;
    if (clamped > this.#maxMs) this.#maxMs = clamped;
  }

  get count(): number {
    return this.#count;
  }

  /** Upper edge of the bucket holding the given percentile (0–100). */
  percentile(percent: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.ceil((percent / 100) * this.#count);
    let seen = 0;
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i]!;
      if (seen >= rank) return Math.min((i + 1) / BUCKETS_PER_MS, this.#maxMs);
    }
    return this.#maxMs;
  }

  summary(): LatencySummary {
    return {
      count: this.#count,
      p50Ms: this.percentile(50),
      p99Ms: this.percentile(99),
      maxMs: this.#count === 0 ? Number.NaN : this.#maxMs,
    };
  }
}

/** Wall-clock time in microseconds with sub-millisecond resolution, comparable across processes. */
export function wallClockMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
