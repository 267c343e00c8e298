/**
 * What operators ask of the SQLite store: how many streams it holds
 * (metrics), and whether it can take a write now (readiness).
 */

import type Database from "better-sqlite3";
import type { GroupCommit } from "./commit/group-commit.js";

/** Metrics and readiness reads of one database. */
export class StoreHealth {
  #countStatement: Database.Statement | undefined;
  #probe: (() => void) | undefined;
  readonly #pageSize: number;

  constructor(
    private readonly db: Database.Database,
    private readonly commit: GroupCommit,
  ) {
    this.#pageSize = db.pragma("page_size", { simple: true }) as number;
  }

  /** Number of streams, soft-deleted ones excluded (metrics). */
  streamCount(): number {
    this.#countStatement ??= this.db
      .prepare("SELECT count(*) FROM streams WHERE soft_deleted = 0")
      .pluck();
    return this.#countStatement.get() as number;
  }

  /**
   * Resolves when the store can take a write: the group commit has not
   * failed for good, and a probe transaction of its own (a page-sized row
   * added and removed again, so the database would have to find room for
   * it, as an append would) commits. Rejects with why not. Readiness probes
   * call it; it never joins a group, so a failing probe fails no append.
   */
  async checkWritable(): Promise<void> {
    if (this.commit.failed) {
      throw new Error("a disk sync failed: writes are refused until restart");
    }
    if (this.#probe === undefined) {
      const insert = this.db.prepare(
        "INSERT INTO producers (stream_id, producer_id, epoch, last_seq) VALUES (-1, ?, 0, 0)",
      );
      const remove = this.db.prepare("DELETE FROM producers WHERE stream_id = -1");
      const filler = "x".repeat(this.#pageSize);
      this.#probe = this.db.transaction(() => {
        insert.run(filler);
        remove.run();
      });
    }
    this.#probe();
  }
}
