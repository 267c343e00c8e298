/** A WAL sync a test can hold, fail and count (`storage.walSync`), for group-commit tests. */

import { fdatasync } from "node:fs";

/** A WAL sync that can be held, failed, and counted. */
export class SyncGate {
  calls = 0;
  failure: NodeJS.ErrnoException | null = null;
  #held = false;
  #waiting: Array<() => void> = [];
  #onHeld: Array<() => void> = [];

  readonly walSync = (fd: number, done: (error: Error | null) => void): void => {
    this.calls++;
    if (this.failure) {
      done(this.failure);
      return;
    }
    const run = () => fdatasync(fd, done);
    if (!this.#held) {
      run();
      return;
    }
    this.#waiting.push(run);
    for (const notify of this.#onHeld.splice(0)) notify();
  };

  /** Syncs from now on wait until `release()`. */
  hold(): void {
    this.#held = true;
  }

  /** Resolves once a sync is waiting on the hold. */
  syncWaiting(): Promise<void> {
    if (this.#waiting.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#onHeld.push(resolve));
  }

  /** Runs the held syncs; later ones run at once. */
  release(): void {
    this.#held = false;
    for (const run of this.#waiting.splice(0)) run();
  }
}
