/** The clock port: wall time for TTLs, expiry, cursors and cache lifetimes. */

/** Milliseconds since the epoch. Runtimes and tests inject their own. */
export interface Clock {
  now(): number;
}

/** The system clock (`Date.now`). */
export const systemClock: Clock = { now: Date.now };
