/**
 * Tells the subscription coordinator about this object's stream: its
 * creation and removal always (a pattern may match a new path), its appends
 * only while the coordinator says the path is watched. The answer is cached
 * for `RECHECK_MS` (and for the life of this instance at most), so an
 * unwatched stream costs the coordinator at most one call per object start
 * or per `RECHECK_MS`, not one per append. The coordinator refreshes the
 * cache itself when it starts watching a path (`markWatched`).
 *
 * Reports go out in order, one at a time, and the request that caused one
 * waits for it (the client hears of its write once the coordinator has);
 * a report the coordinator did not take is retried from the object's alarm.
 */

import type { StreamChange } from "@durastream/server-core";
import type { SubscriptionCoordinator } from "../subscriptions/subscription-coordinator.js";

/** How long an answer "watched" / "not watched" is trusted. */
export const RECHECK_MS = 60_000;
/** Delay before retrying a report the coordinator did not take. */
const RETRY_MS = 1_000;

/** What the reporter uses. */
export interface WatchReporterDeps {
  readonly coordinator: () => DurableObjectStub<SubscriptionCoordinator>;
  /** Asks the object's alarm to run at `at` (a retry). */
  readonly retryAt: (at: number) => Promise<void>;
  readonly now: () => number;
}

/** Reports this object's stream changes to the coordinator. */
export class WatchReporter {
  readonly #deps: WatchReporterDeps;
  #watched: boolean | undefined;
  #checkedAt = 0;
  readonly #queue: StreamChange[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #failedAt: number | null = null;

  constructor(deps: WatchReporterDeps) {
    this.#deps = deps;
  }

  /** A durable change of the stream (the engine's `onStreamChange`). */
  changed(change: StreamChange): void {
    if (change.kind === "appended" && this.#known() === false) return;
    // Appends waiting behind each other report once, with the newest tail.
    const last = this.#queue[this.#queue.length - 1];
    if (change.kind === "appended" && last?.kind === "appended" && this.#queue.length > 1) {
      this.#queue[this.#queue.length - 1] = change;
      return;
    }
    this.#queue.push(change);
  }

  /** The coordinator starts watching this path. */
  markWatched(): void {
    this.#watched = true;
    this.#checkedAt = this.#deps.now();
  }

  /** Whether reports are waiting. */
  hasPending(): boolean {
    return this.#queue.length > 0;
  }

  /** When a failed report is retried, or null. */
  nextAttempt(): number | null {
    return this.#failedAt === null || this.#queue.length === 0 ? null : this.#failedAt + RETRY_MS;
  }

  /** Sends what is queued, in order; settles once sent (or failed, then retried later). */
  flush(): Promise<void> {
    if (this.#queue.length === 0) return this.#flushing;
    this.#flushing = this.#flushing.then(() => this.#send());
    return this.#flushing;
  }

  async #send(): Promise<void> {
    while (this.#queue.length > 0) {
      const change = this.#queue[0]!;
      try {
        const watched = await this.#deps.coordinator().streamChanged(change);
        this.#watched = watched;
        this.#checkedAt = this.#deps.now();
        this.#failedAt = null;
        this.#queue.shift();
      } catch (error) {
        console.error("durastream: the subscription coordinator did not take a report", error);
        this.#failedAt = this.#deps.now();
        await this.#deps.retryAt(this.#failedAt + RETRY_MS);
        return;
      }
    }
  }

  #known(): boolean | undefined {
    if (this.#watched === undefined) return undefined;
    return this.#deps.now() - this.#checkedAt < RECHECK_MS ? this.#watched : undefined;
  }
}
