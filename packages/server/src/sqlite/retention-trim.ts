/**
 * Retention on the SQLite store (`RetentionStore`): which stored chunks are
 * old enough to go, how far forks hold a source's data back, and the trim
 * itself, an ordinary group-committed write (docs/durability.md).
 */

import type { RetentionStore, StreamRecord } from "@durastream/server-core";
import type { StoreStatements } from "./store-statements.js";
import type { TailCache } from "./tail-cache.js";

/** Chunk rows an age check reads at most per stream and trim pass. */
const AGED_SCAN_ROWS = 10_000;

/** Runs `apply` in the next durable group, pinning the record until then. */
export type GroupWrite = (
  record: StreamRecord,
  apply: () => void,
  onDurable: () => void,
) => Promise<void>;

/** The SQLite store's retention support. */
export class SqliteRetention implements RetentionStore {
  constructor(
    private readonly sql: StoreStatements,
    private readonly tailCache: TailCache,
    private readonly write: GroupWrite,
  ) {}

  agedEnd(record: StreamRecord, writtenBefore: number): number {
    // Write times rise with positions, so the aged chunks are a prefix: walk
    // it and stop at the first young chunk, at most AGED_SCAN_ROWS rows a
    // call (the next pass goes on from there), so the cost is bounded by what
    // is about to be trimmed, not by what the stream retains.
    let end = record.earliest;
    let rows = 0;
    for (const row of this.sql.chunkTimesFrom.iterate(record.id, record.earliest)) {
      if (
        (row.written_at !== null && row.written_at >= writtenBefore) ||
        rows++ >= AGED_SCAN_ROWS
      ) {
        break;
      }
      end = row.end_pos;
    }
    return end;
  }

  forkFloor(record: StreamRecord): number | null {
    return this.sql.forkFloor.get(record.id)?.floor ?? null;
  }

  /**
   * The chunk rows and the new earliest offset go in one transaction. Freed
   * pages join SQLite's freelist and later appends reuse them, so the file
   * stops growing once a stream's retained size is reached.
   */
  trim(record: StreamRecord, before: number): Promise<void> {
    const limit = Math.min(before, record.visibleTail);
    // Chunks up to the visible tail are committed, so the rows answer exactly.
    const end = this.sql.trimmedEnd.get(record.id, record.earliest, limit)?.end ?? null;
    if (end === null) return Promise.resolve();
    // Readers move on at once (410 below); the rows go in the next group.
    record.earliest = end;
    this.tailCache.dropBefore(record.id, end);
    const id = record.id;
    return this.write(
      record,
      () => {
        this.sql.trimChunks.run(id, end);
        this.sql.setEarliest.run(end, id);
      },
      () => {},
    );
  }
}
