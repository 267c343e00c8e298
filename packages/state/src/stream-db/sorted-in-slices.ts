/**
 * Keys in TanStack DB's order, sorted without holding the event loop. TanStack
 * DB keeps a collection's keys in a sorted array: a row inserted in the middle
 * moves every key after it, so a large initial load inserted in stream order
 * costs time that grows with the collection, while keys inserted in ascending
 * order land at the end. Here runs of keys are sorted one slice at a time and
 * merged lazily as the consumer takes them.
 *
 * @module
 */
import { now, yieldToEventLoop } from "./yield-to-event-loop.js";

/** Keys sorted by one `Array.prototype.sort` call, at the least (a millisecond or two). */
const MIN_RUN = 4096;
/** Most runs merged at once (each key taken compares the heads of all runs). */
const MAX_RUNS = 64;

/**
 * TanStack DB's key order (`compareKeys` of `@tanstack/db-ivm`): numbers
 * before strings, numbers ascending, strings by UTF-16 code units.
 */
export function compareKeys(a: string | number, b: string | number): number {
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `keys` in ascending order: sorted in runs (yielding whenever `budgetMs` is
 * spent), then merged as the returned iterator is consumed. The order only
 * makes inserts cheap; a key out of place would still be inserted correctly.
 */
export async function sortedInSlices(
  keys: string[],
  budgetMs: number,
): Promise<IterableIterator<string>> {
  const runLength = Math.max(MIN_RUN, Math.ceil(keys.length / MAX_RUNS));
  const runs: string[][] = [];
  let sliceStart = now();
  for (let at = 0; at < keys.length; at += runLength) {
    runs.push(keys.slice(at, at + runLength).sort(compareKeys));
    if (now() - sliceStart >= budgetMs) {
      await yieldToEventLoop();
      sliceStart = now();
    }
  }
  return mergeRuns(runs);
}

function* mergeRuns(runs: string[][]): IterableIterator<string> {
  if (runs.length === 1) {
    yield* runs[0]!;
    return;
  }
  const heads = runs.map(() => 0);
  for (;;) {
    let best = -1;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (heads[r]! >= run.length) continue;
      if (best === -1 || compareKeys(run[heads[r]!]!, runs[best]![heads[best]!]!) < 0) best = r;
    }
    if (best === -1) return;
    yield runs[best]![heads[best]!++]!;
  }
}
