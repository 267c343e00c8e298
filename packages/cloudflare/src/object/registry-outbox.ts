/**
 * The stream object's side of the registry (`registry/stream-registry.ts`):
 * a durable outbox. Creates, closes and deletes write a snapshot of the
 * stream's listing fields into `registry_outbox` inside the same
 * `transactionSync` as the change itself, so a committed change is never
 * lost to the registry; the outbox is then delivered to the registry over
 * RPC, at least once (the registry keeps the newest report per path), and
 * retried by the object's alarm until the registry has it.
 *
 * Appends are not reported one by one (a row write and an RPC per append
 * would double their cost): the first append after a report asks the alarm
 * to report the tail `refreshMs` later, so a stream reports its tail at most
 * once per `refreshMs`, and a listing's `bytes` / `nextOffset` of an open
 * stream lag by about that much.
 *
 * Invariant: a moved tail is reported even if the object is evicted before
 * the alarm fires (workerd evicts an idle object after about 10 s, sooner than
 * the default refresh). The alarm is durable, and so is the last tail
 * reported for each path (`registry_reported`, written with each report): an
 * alarm that finds no pending tail in memory compares the streams' tails with
 * it and reports what moved. No row is written per append.
 */

import type { StreamRecord } from "@durastream/server-core";
import type { RegistryEntry } from "../registry/registry-entry.js";
import type { StreamRegistryRpc } from "../registry/registry-rpc.js";
import type { ObjectAlarm } from "./object-alarm.js";

/** Told by the store about changes, inside the transaction that makes them. */
export interface StreamChangeObserver {
  /** The stream was created, closed or deleted (`live` false). Runs inside the change's transaction. */
  changed(record: StreamRecord, live: boolean): void;
  /** Data was appended (the stream is still open). */
  appended(record: StreamRecord): void;
}

/** Delay of the first retry of an undelivered outbox; doubled up to `MAX_RETRY_MS`. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
/**
 * When the alarm set with a report fires if the delivery right after the
 * answer never happened (the object was evicted or crashed first). Not
 * sooner: a delivery that works makes that alarm a no-op wake-up.
 */
const SAFETY_ALARM_MS = 30_000;
/** Most reports sent in one RPC (a report is a few hundred bytes). */
const BATCH = 256;

/** The last tail reported per path (see the invariant above). */
const REPORTED_TABLE = `CREATE TABLE IF NOT EXISTS registry_reported (
  path TEXT PRIMARY KEY,
  incarnation INTEGER NOT NULL,
  tail INTEGER NOT NULL
)`;

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  entry: string;
}

interface ReportedRow extends Record<string, SqlStorageValue> {
  path: string;
  incarnation: number;
  tail: number;
}

/** What the outbox needs from its object. */
export interface RegistryOutboxOptions {
  readonly storage: DurableObjectStorage;
  readonly registry: () => DurableObjectStub<StreamRegistryRpc>;
  readonly alarm: ObjectAlarm;
  /** Delay before an append's tail is reported (ms). */
  readonly refreshMs: number;
  readonly now: () => number;
}

/** The durable outbox of reports to the registry. */
export class RegistryOutbox implements StreamChangeObserver {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #options: RegistryOutboxOptions;
  /** Whether `registry_outbox` exists (unknown until first checked). */
  #table: boolean | undefined;
  /** A stream whose tail moved since its last report, to report at `#refreshAt`. */
  #dirty: StreamRecord | null = null;
  #refreshAt: number | null = null;
  /** When to retry an undelivered outbox, and the delay after that. */
  #retryAt: number | null = null;
  #retryDelay = FIRST_RETRY_MS;
  /** The delivery in progress: one at a time keeps reports in order. */
  #delivering: Promise<void> | null = null;

  constructor(options: RegistryOutboxOptions) {
    this.#options = options;
    this.#storage = options.storage;
    this.#sql = options.storage.sql;
    // Left undelivered by an earlier run of this object: due now.
    if (this.hasPending()) this.#retryAt = options.now();
  }

  changed(record: StreamRecord, live: boolean): void {
    this.#report(record, live);
    // Set with the write (the runtime commits both together), so a crash
    // before delivery still leaves an alarm to deliver it.
    const at = this.#options.now() + SAFETY_ALARM_MS;
    this.#retryAt = Math.min(this.#retryAt ?? at, at);
    void this.#options.alarm.requestAt(at);
  }

  /** Writes the report of `record` to the outbox and remembers its tail as reported. */
  #report(record: StreamRecord, live: boolean): void {
    if (this.#table !== true) {
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS registry_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entry TEXT NOT NULL
      )`);
      this.#sql.exec(REPORTED_TABLE);
      this.#table = true;
    }
    const entry: Omit<RegistryEntry, "version"> = {
      path: record.path,
      incarnation: record.id,
      live,
      contentType: record.contentType,
      createdAt: record.createdAt,
      ttlSeconds: record.ttlSeconds,
      expiresAt: record.expiresAt,
      tail: record.tail,
      closed: record.closed,
      forkSourcePath: record.fork?.sourcePath ?? null,
      forkPosition: record.fork?.position ?? null,
    };
    this.#sql.exec("INSERT INTO registry_outbox (entry) VALUES (?)", JSON.stringify(entry));
    if (live) {
      // An upsert, not INSERT OR REPLACE: a replace deletes and inserts, two billed rows.
      this.#sql.exec(
        `INSERT INTO registry_reported (path, incarnation, tail) VALUES (?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET incarnation = excluded.incarnation, tail = excluded.tail`,
        record.path,
        record.id,
        record.tail,
      );
    } else {
      this.#sql.exec("DELETE FROM registry_reported WHERE path = ?", record.path);
    }
    if (this.#dirty === record) this.#dirty = null;
  }

  appended(record: StreamRecord): void {
    if (this.#dirty !== null) return;
    this.#dirty = record;
    this.#refreshAt = this.#options.now() + this.#options.refreshMs;
    void this.#options.alarm.requestAt(this.#refreshAt);
  }

  /** Whether reports wait for delivery (the object must not erase itself meanwhile). */
  hasPending(): boolean {
    if (!this.#hasTable()) return false;
    return this.#sql.exec("SELECT seq FROM registry_outbox LIMIT 1").toArray().length > 0;
  }

  /**
   * Whether the outbox's tables exist (they are made with the first report).
   * An object written before `registry_reported` existed gets it here.
   */
  #hasTable(): boolean {
    if (this.#table === undefined) {
      this.#table =
        this.#sql
          .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'registry_outbox'")
          .toArray().length > 0;
      if (this.#table) this.#sql.exec(REPORTED_TABLE);
    }
    return this.#table;
  }

  /** The next time the alarm has work here, or null. */
  nextAttempt(): number | null {
    const times = [this.#retryAt, this.#refreshAt].filter((t): t is number => t !== null);
    return times.length === 0 ? null : Math.min(...times);
  }

  /** Forgets the table (after the object's `deleteAll`). */
  dropped(): void {
    this.#table = undefined;
    this.#dirty = null;
    this.#refreshAt = null;
    this.#retryAt = null;
  }

  /**
   * From the alarm: reports a moved tail that is due, then delivers — at once
   * when the last delivery did not fail (an expiry the alarm just applied is
   * listed without waiting), else when the retry is due.
   */
  async due(current: (path: string) => StreamRecord | undefined): Promise<void> {
    const dirty = this.#dirty;
    if (dirty !== null && this.#refreshAt !== null && this.#refreshAt <= this.#options.now()) {
      this.#dirty = null;
      this.#refreshAt = null;
      if (current(dirty.path) === dirty && !dirty.softDeleted) {
        // Delivered below in this alarm run; should the object die first,
        // the runtime retries the alarm, so no safety alarm is needed.
        this.#storage.transactionSync(() => this.#report(dirty, true));
      }
    } else if (dirty === null) {
      this.#reportMovedTails(current);
    }
    const failing = this.#retryDelay > FIRST_RETRY_MS;
    const due = this.#retryAt !== null && this.#retryAt <= this.#options.now();
    if ((!failing && this.hasPending()) || due) await this.deliver();
  }

  /**
   * Reports every stream whose tail moved since its last report without this
   * instance knowing (the append's instance was evicted before its alarm).
   */
  #reportMovedTails(current: (path: string) => StreamRecord | undefined): void {
    if (!this.#hasTable()) return;
    const reported = this.#sql
      .exec<ReportedRow>("SELECT path, incarnation, tail FROM registry_reported")
      .toArray();
    for (const row of reported) {
      const record = current(row.path);
      if (!record || record.softDeleted || record.id !== row.incarnation) continue;
      if (record.tail === row.tail) continue;
      this.#storage.transactionSync(() => this.#report(record, true));
    }
  }

  /**
   * Sends every waiting report to the registry, oldest first, and removes
   * what it acknowledged. A failure leaves them for a retry by the alarm.
   */
  deliver(): Promise<void> {
    this.#delivering ??= this.#deliverAll().finally(() => {
      this.#delivering = null;
    });
    return this.#delivering;
  }

  async #deliverAll(): Promise<void> {
    try {
      while (this.hasPending()) {
        const rows = this.#sql
          .exec<OutboxRow>("SELECT seq, entry FROM registry_outbox ORDER BY seq LIMIT ?", BATCH)
          .toArray();
        const entries = rows.map(
          (row): RegistryEntry => ({ ...JSON.parse(row.entry), version: row.seq }),
        );
        await this.#options.registry().report(entries);
        this.#sql.exec("DELETE FROM registry_outbox WHERE seq <= ?", rows[rows.length - 1]!.seq);
      }
      this.#retryAt = null;
      this.#retryDelay = FIRST_RETRY_MS;
    } catch (error) {
      console.error("durastream: registry report failed, retrying", error);
      this.#retryAt = this.#options.now() + this.#retryDelay;
      this.#retryDelay = Math.min(MAX_RETRY_MS, this.#retryDelay * 2);
      void this.#options.alarm.requestAt(this.#retryAt);
    }
  }
}
