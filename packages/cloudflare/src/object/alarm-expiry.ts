/**
 * The expiry-scheduler port on a Durable Object: `storage.setAlarm` at the
 * stream's expiry. The alarm handler runs the engine's sweep and re-arms at
 * the next expiry (a sliding TTL moves it later; the early alarm re-arms).
 */

import type { ExpiryScheduler } from "@durastream/server-core";
import type { ObjectAlarm } from "./object-alarm.js";

/** Expiry through the object's alarm. */
export class AlarmExpiryScheduler implements ExpiryScheduler {
  readonly #alarm: ObjectAlarm;
  #sweep: () => Promise<number> = async () => 0;

  constructor(alarm: ObjectAlarm) {
    this.#alarm = alarm;
  }

  start(sweep: () => Promise<number>): void {
    this.#sweep = sweep;
  }

  wakeAt(at: number): void {
    void this.#alarm.requestAt(at);
  }

  /** Runs the engine's sweep (from the alarm handler). */
  sweep(): Promise<number> {
    return this.#sweep();
  }
}
