/**
 * Tells the subscription coordinator about this object's stream: its
 * creation and removal always (a pattern may match a new path), its appends
 * only while the coordinator says the path is watched. The answer is cached
 * for `RECHECK_MS` (and for the life of this instance at most), so an
 * unwatched stream costs the coordinator at most one call per object start
 * or per `RECHECK_MS`, not one per append. The coordinator refreshes the
 * cache itself when it starts watching a path (`markWatched`).
 *
 * Reports are journaled (`watch_outbox` in the object's SQLite) in the event
 * of the change, before the writer's answer leaves (the output gate), with
 * the object's alarm set `SAFETY_ALARM_MS` ahead: a report survives the
 * object's eviction or crash and is delivered by the alarm of the next
 * instance, as the registry's outbox is (`registry-outbox.ts`). Appends
 * waiting behind each other share one row, rewritten with the newest tail.
 * Reports go out in order, one at a time, and the request that caused one
 * waits for it (the client hears of its write once the coordinator has);
 * a report the coordinator did not take is retried from the object's alarm.
 */

import type { StreamChange } from "@durastream/server-core";
import type { SubscriptionCoordinatorRpc } from "../subscriptions/coordinator-rpc.js";

/** How long an answer "watched" / "not watched" is trusted. */
export const RECHECK_MS = 60_000;
/** Delay before retrying a report the coordinator did not take. */
const RETRY_MS = 1_000;
/**
 * When the alarm set with a journaled report fires should its delivery
 * right after the write never happen (the object died first). A delivery
 * that works makes it a no-op wake-up; one alarm covers every report of
 * that window.
 */
const SAFETY_ALARM_MS = 30_000;

/**
 * Not AUTOINCREMENT (which writes `sqlite_sequence` with every insert, a
 * billed row): `seq` only orders the rows waiting here, and a rowid after
 * the largest one left is all that takes.
 */
const TABLE = `CREATE TABLE IF NOT EXISTS watch_outbox (
  seq INTEGER PRIMARY KEY,
  change TEXT NOT NULL
)`;

/** What the reporter uses. */
export interface WatchReporterDeps {
  /**
   * The coordinator, or undefined when the deployment has no `SUBSCRIPTIONS`
   * binding: subscriptions are off there, and nothing is journaled.
   */
  readonly coordinator: (() => DurableObjectStub<SubscriptionCoordinatorRpc>) | undefined;
  /** The object's SQLite, where reports wait until the coordinator took them. */
  readonly sql: SqlStorage;
  /** Asks the object's alarm to run at or before `at` (a retry, a safety net). */
  readonly alarmAt: (at: number) => Promise<void>;
  readonly now: () => number;
}

/** A journaled report. */
interface Pending {
  readonly seq: number;
  change: StreamChange;
}

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  change: string;
}

/** Reports this object's stream changes to the coordinator. */
export class WatchReporter {
  readonly #deps: WatchReporterDeps;
  #watched: boolean | undefined;
  #checkedAt = 0;
  readonly #queue: Pending[] = [];
  /** The report being sent (its row is not rewritten meanwhile). */
  #sending: number | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #failedAt: number | null = null;
  /** Whether `watch_outbox` exists (unknown until first checked). */
  #table: boolean | undefined;

  constructor(deps: WatchReporterDeps) {
    this.#deps = deps;
    if (!this.#hasTable()) return;
    const rows = deps.sql
      .exec<OutboxRow>("SELECT seq, change FROM watch_outbox ORDER BY seq")
      .toArray();
    for (const row of rows) this.#queue.push({ seq: row.seq, change: JSON.parse(row.change) });
    // Left undelivered by an earlier instance: due now.
    if (this.#queue.length > 0) this.#failedAt = deps.now() - RETRY_MS;
  }

  /** A durable change of the stream (the engine's `onStreamChange`). */
  changed(change: StreamChange): void {
    if (this.#deps.coordinator === undefined) return;
    if (change.kind === "appended" && this.#known() === false) return;
    const sql = this.#deps.sql;
    if (this.#table !== true) {
      sql.exec(TABLE);
      this.#table = true;
    }
    // Appends waiting behind each other report once, with the newest tail.
    const last = this.#queue[this.#queue.length - 1];
    if (
      change.kind === "appended" &&
      last?.change.kind === "appended" &&
      last.change.path === change.path &&
      last.seq !== this.#sending
    ) {
      last.change = change;
      sql.exec(
        "UPDATE watch_outbox SET change = ? WHERE seq = ?",
        JSON.stringify(change),
        last.seq,
      );
      return;
    }
    const row = sql
      .exec<{ seq: number }>(
        "INSERT INTO watch_outbox (change) VALUES (?) RETURNING seq",
        JSON.stringify(change),
      )
      .one();
    this.#queue.push({ seq: row.seq, change });
    void this.#deps.alarmAt(this.#deps.now() + SAFETY_ALARM_MS);
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

  /** When a failed (or inherited) report is retried, or null. */
  nextAttempt(): number | null {
    return this.#failedAt === null || this.#queue.length === 0 ? null : this.#failedAt + RETRY_MS;
  }

  /** Forgets the journal (after the object's `deleteAll`). */
  dropped(): void {
    this.#table = undefined;
    this.#queue.length = 0;
    this.#failedAt = null;
  }

  /** Sends what is queued, in order; settles once sent (or failed, then retried later). */
  flush(): Promise<void> {
    if (this.#queue.length === 0) return this.#flushing;
    this.#flushing = this.#flushing.then(() => this.#send());
    return this.#flushing;
  }

  async #send(): Promise<void> {
    const coordinator = this.#deps.coordinator;
    if (coordinator === undefined) {
      // Reports journaled before the binding was removed: nobody will take them.
      this.#queue.length = 0;
      this.#deps.sql.exec("DELETE FROM watch_outbox");
      return;
    }
    while (this.#queue.length > 0) {
      const pending = this.#queue[0]!;
      this.#sending = pending.seq;
      try {
        const watched = await coordinator().streamChanged(pending.change);
        this.#watched = watched;
        this.#checkedAt = this.#deps.now();
        this.#failedAt = null;
        this.#queue.shift();
        this.#deps.sql.exec("DELETE FROM watch_outbox WHERE seq = ?", pending.seq);
      } catch (error) {
        console.error("durastream: the subscription coordinator did not take a report", error);
        this.#failedAt = this.#deps.now();
        await this.#deps.alarmAt(this.#failedAt + RETRY_MS);
        return;
      } finally {
        this.#sending = null;
      }
    }
  }

  #known(): boolean | undefined {
    if (this.#watched === undefined) return undefined;
    return this.#deps.now() - this.#checkedAt < RECHECK_MS ? this.#watched : undefined;
  }

  #hasTable(): boolean {
    this.#table ??=
      this.#deps.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'watch_outbox'")
        .toArray().length > 0;
    return this.#table;
  }
}
