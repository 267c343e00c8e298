/**
 * Group commit. Writes issued while a commit or a disk sync is under way are
 * run together in one SQLite transaction; one `fdatasync` of the write-ahead
 * log then makes the whole group durable, and only then are its writers
 * acknowledged (in order). SQLite runs with `synchronous=NORMAL`, which in WAL
 * mode never syncs a commit, so the event loop never blocks on the disk for
 * one: the group's sync runs on libuv's thread pool. (See docs/durability.md.)
 */

import type BetterSqlite3 from "better-sqlite3";
import type { CommitObserver } from "../../ports/server-store.js";
import { storageError } from "./storage-errors.js";

/**
 * Makes everything written to the WAL so far durable (an `fdatasync` of the
 * `-wal` file) and calls back once it is, or with the error the disk gave.
 */
export type WalSync = (done: (error: Error | null) => void) => void;

interface PendingWrite {
  readonly apply: () => void;
  readonly onDurable: () => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export type { CommitObserver };

/** Batches SQLite writes into durable groups. */
export class GroupCommit {
  /** Metrics hook; null when nobody watches. */
  observer: CommitObserver | null = null;
  #syncStartedAt = 0;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  #syncing = false;
  #failure: unknown = null;
  #idleWaiters: Array<() => void> = [];
  readonly #transaction: (writes: PendingWrite[]) => void;

  /**
   * @param db the database (journal_mode=WAL, synchronous=NORMAL)
   * @param sync syncs the database's `-wal` file; there is no group commit
   *   without one (an in-memory server uses `MemoryStore`, which has nothing to sync)
   * @param afterSync called after every durable group (checkpoint scheduling)
   * @param rolledBack called when a group's transaction failed and SQLite
   *   rolled it back, before its writers are refused: the caller puts its
   *   in-memory view back to what is stored
   */
  constructor(
    db: BetterSqlite3.Database,
    private readonly sync: WalSync,
    private readonly afterSync: () => void = () => {},
    private readonly rolledBack: (error: unknown) => void = () => {},
  ) {
    this.#transaction = db.transaction((writes: PendingWrite[]) => {
      for (const write of writes) write.apply();
    });
  }

  /**
   * Queues `apply` (synchronous SQL) for the next group. `onDurable` runs once
   * the group is on disk, before the returned promise resolves.
   */
  write(apply: () => void, onDurable: () => void = () => {}): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ apply, onDurable, resolve, reject });
      // While a group is syncing, writes wait for it and form the next group
      // (one transaction, one sync); otherwise this turn's writes go together.
      if (!this.#scheduled && !this.#syncing) {
        this.#scheduled = true;
        setImmediate(() => this.#commit());
      }
    });
  }

  /** Resolves once everything queued so far is durable. */
  async flush(): Promise<void> {
    if (this.#queue.length === 0 && !this.#syncing) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #commit(): void {
    this.#scheduled = false;
    const group = this.#queue;
    this.#queue = [];
    if (group.length === 0) {
      this.#checkIdle();
      return;
    }
    try {
      this.#transaction(group);
    } catch (error) {
      // SQLite rolled the transaction back (a full disk, an I/O error):
      // nothing of the group is stored and nothing else is in flight (a
      // group only runs once the one before it is durable). The store's
      // in-memory view goes back to what is stored, the group is refused,
      // and later writes are tried afresh, so the writer recovers by itself
      // once the disk takes writes again.
      this.rolledBack(error);
      for (const write of group) write.reject(storageError(error));
      this.#checkIdle();
      return;
    }
    this.#syncing = true;
    this.#syncStartedAt = performance.now();
    this.sync((error) => {
      this.#syncing = false;
      if (error) {
        // The sync failed: the kernel may already have dropped the pages it
        // could not write, so no later sync can prove this group (or what
        // follows it) durable. Refuse everything until a restart recovers
        // from what the disk actually holds.
        this.#fail(storageError(error, true), group);
        return;
      }
      this.#acknowledge(group);
      if (this.#queue.length > 0) this.#commit();
    });
  }

  #fail(error: unknown, group: PendingWrite[]): void {
    this.#failure = error;
    for (const write of [...group, ...this.#queue]) write.reject(error);
    this.#queue = [];
    this.#checkIdle();
  }

  /** Whether a commit or sync failed: the store refuses writes until restarted. */
  get failed(): boolean {
    return this.#failure !== null;
  }

  #acknowledge(group: PendingWrite[]): void {
    this.observer?.(group.length, (performance.now() - this.#syncStartedAt) / 1000);
    for (const write of group) write.onDurable();
    for (const write of group) write.resolve();
    this.afterSync();
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#queue.length > 0 || this.#syncing) return;
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }
}
