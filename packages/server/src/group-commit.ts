/**
 * Group commit. Writes issued while a commit or a disk sync is under way are
 * run together in one SQLite transaction; one `fdatasync` of the write-ahead
 * log then makes the whole group durable, and only then are its writers
 * acknowledged (in order). SQLite runs with `synchronous=NORMAL`, which in WAL
 * mode never syncs a commit, so the event loop never blocks on the disk for
 * one: the group's sync runs on libuv's thread pool. (See docs/durability.md.)
 */

import type BetterSqlite3 from "better-sqlite3";

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

/** Told of every durable group: its number of writes and its disk sync's duration. */
export type CommitObserver = (groupSize: number, syncSeconds: number) => void;

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
   */
  constructor(
    db: BetterSqlite3.Database,
    private readonly sync: WalSync,
    private readonly afterSync: () => void = () => {},
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
      // The transaction rolled back, but in-memory state already moved on:
      // refuse every further write so a restart recovers from disk.
      this.#fail(error, group);
      return;
    }
    this.#syncing = true;
    this.#syncStartedAt = performance.now();
    this.sync((error) => {
      this.#syncing = false;
      if (error) {
        // The disk refused: nothing after this point can be acknowledged.
        this.#fail(error, group);
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
