/**
 * Cursors for a fan-out (Section 10.1), shared by every reader of a wake-up
 * where the rules allow: readers that echoed no cursor, or one behind the
 * current interval, all get the interval; readers that echoed the same (or a
 * close enough) cursor at or past it share one jittered cursor that is
 * strictly greater than each echo and at most the maximum jitter beyond it.
 * Shared cursors are what let a CDN collapse the group's next requests.
 */

import { CURSOR_EPOCH_MS, CURSOR_INTERVAL_MS, nextCursor } from "./next-cursor.js";

/** The largest jitter of `nextCursor`, in intervals (3600 s of 20 s). */
const MAX_JITTER_INTERVALS = Math.ceil((3600 * 1000) / CURSOR_INTERVAL_MS);
const CURSOR_PATTERN = /^\d{1,15}$/;

/** The cursor rules at one instant, with the jittered cursor last handed out. */
export class LiveCursor {
  /** The current interval number. */
  readonly interval: number;
  /** The current interval as a cursor. */
  readonly intervalText: string;
  #jittered = -1;
  #jitteredText = "";

  constructor(private readonly now: number) {
    this.interval = cursorInterval(now);
    this.intervalText = String(this.interval);
  }

  /** The cursor for a response to a client that echoed `clientCursor` (null: none). */
  forClient(clientCursor: string | null): string {
    if (clientCursor === null || !CURSOR_PATTERN.test(clientCursor)) return this.intervalText;
    const echoed = Number(clientCursor);
    if (echoed < this.interval) return this.intervalText;
    const jittered = this.#jittered;
    if (jittered > echoed && jittered - echoed <= MAX_JITTER_INTERVALS) return this.#jitteredText;
    const next = nextCursor(this.now, clientCursor);
    this.#jittered = Number(next);
    this.#jitteredText = next;
    return next;
  }
}

/** The interval number at `now`. */
export function cursorInterval(now: number): number {
  return Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
}
