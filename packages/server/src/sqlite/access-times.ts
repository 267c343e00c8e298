/**
 * TTL refreshes of the SQLite store. A read slides a stream's TTL: the
 * record's access time changes at once (expiry checks see it), and the
 * touched streams are written together a second later, in one group (a
 * crash loses at most a second of refreshes: at worst a stream expires a
 * little early).
 */

import { expiryOf, type StreamRecord } from "@durastream/server-core";
import type { GroupCommit } from "./commit/group-commit.js";
import type { StoreStatements } from "./store-statements.js";

/** How long refreshes gather before they are written, in ms. */
const TOUCH_FLUSH_MS = 1000;

/** Streams whose access time changed since it was last stored. */
export class AccessTimes {
  readonly #touched = new Set<StreamRecord>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly commit: GroupCommit,
    private readonly sql: StoreStatements,
    private readonly onError: (error: Error) => void,
  ) {}

  /** A read at `now`: refreshes the record, and stores it soon when its TTL slides. */
  touch(record: StreamRecord, now: number): void {
    record.lastAccessAt = now;
    if (record.ttlSeconds === null) return;
    this.#touched.add(record);
    this.#timer ??= setTimeout(() => this.flush(), TOUCH_FLUSH_MS);
  }

  /** Whether `record` has a refresh not yet stored (it must stay cached). */
  has(record: StreamRecord): boolean {
    return this.#touched.has(record);
  }

  /** Drops a pending refresh (an append or removal stores the stream anyway). */
  delete(record: StreamRecord): void {
    this.#touched.delete(record);
  }

  /** Drops every pending refresh (their group was rolled back). */
  clear(): void {
    this.#touched.clear();
  }

  /** Stores the pending refreshes in one group now. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const touched = [...this.#touched];
    this.#touched.clear();
    if (touched.length === 0) return Promise.resolve();
    return this.commit
      .write(() => {
        for (const record of touched) {
          this.sql.touch.run(record.lastAccessAt, expiryOf(record), record.id);
        }
      })
      .catch((error: unknown) => {
        // Only TTL refreshes were lost: at worst a stream expires a little early.
        this.onError(error as Error);
      });
  }
}
