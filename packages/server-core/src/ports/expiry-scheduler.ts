/**
 * The expiry-scheduler port: when the engine retires streams whose TTL or
 * Expires-At has passed. Access to an expired stream is refused at once
 * whether or not a sweep ran; the scheduler only bounds how long expired
 * data stays stored. On Node an indexed sweep runs on a timer; on a Durable
 * Object it is `storage.setAlarm` (one stream per object).
 */

/** Runs the engine's expiry sweep at the times the engine asks for. */
export interface ExpiryScheduler {
  /**
   * Called once by the engine with its sweep (retires what has expired at
   * the clock's now, at most a batch per call, and resolves with how many).
   * The scheduler calls it at or after every time given to `wakeAt`, and on
   * its own cadence if it has one.
   */
  start(sweep: () => Promise<number>): void;
  /**
   * A stream was created that expires at `at` (ms since epoch): a sweep must
   * run at or after it. A sliding TTL only moves expiry later, so the engine
   * does not call this on access; a scheduler that only wakes when asked
   * re-arms itself after a sweep at the expiry of the streams still alive.
   */
  wakeAt(at: number): void;
}
