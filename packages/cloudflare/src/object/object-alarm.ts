/**
 * The object's one alarm, shared by everything that needs to run later:
 * expiry (TTL / Expires-At) and retries of fork releases. An alarm wakes the
 * object without keeping it in memory in between (a timer would pin it, and
 * be lost when it is evicted), and survives restarts.
 */

/** Keeps the alarm at or before every time asked for. */
export class ObjectAlarm {
  readonly #storage: DurableObjectStorage;
  /** The alarm as last set or read: a time, null for none, undefined for not known yet. */
  #scheduled: number | null | undefined;
  /** The `alarm()` handler is running (it re-arms at the end). */
  #running = false;
  #wantedWhileRunning: number | null = null;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** Makes the alarm fire at or before `at` (ms since epoch). */
  async requestAt(at: number): Promise<void> {
    if (this.#running) {
      this.#wantedWhileRunning = Math.min(this.#wantedWhileRunning ?? at, at);
      return;
    }
    if (this.#scheduled === undefined) {
      const stored = await this.#storage.getAlarm();
      // Another request may have set the alarm while this one read it: its
      // time is newer than what was read (taking the read would let a later
      // time overwrite an earlier one).
      if (this.#scheduled === undefined) this.#scheduled = stored;
    }
    if (this.#scheduled !== null && this.#scheduled <= at) return;
    this.#scheduled = at;
    await this.#storage.setAlarm(at);
  }

  /**
   * Runs the alarm's work, then sets the alarm to the earliest time `next`
   * returns (or clears it). Times asked for meanwhile are kept.
   */
  async run(work: () => Promise<void>, next: () => number | null): Promise<void> {
    this.#running = true;
    this.#scheduled = null;
    try {
      await work();
    } finally {
      this.#running = false;
      const wanted = this.#wantedWhileRunning;
      this.#wantedWhileRunning = null;
      const after = next();
      const at = after === null ? wanted : wanted === null ? after : Math.min(after, wanted);
      if (at === null) {
        await this.#storage.deleteAlarm();
      } else {
        this.#scheduled = at;
        await this.#storage.setAlarm(at);
      }
    }
  }

  /** Forgets the cached alarm time (after `deleteAll`). */
  reset(): void {
    this.#scheduled = undefined;
  }
}
