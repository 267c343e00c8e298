/** Stream listing over the SQLite store's path index. */

import {
  type ForkColumns,
  forkOfRow,
  type StreamSummary,
  type SummaryColumns,
  summaryOfRow,
} from "@durastream/server-core";
import type BetterSqlite3 from "better-sqlite3";

/** The columns of `streams` a listing shows. */
export interface ListedRow extends SummaryColumns, ForkColumns {
  id: number;
  tail: number;
  /** The fork source's row id, or null for a root stream. */
  fork_source: number | null;
}

/** Reads `streams` rows in path order. */
export class SqliteListing {
  readonly #from: BetterSqlite3.Statement<[string, number], ListedRow>;

  constructor(db: BetterSqlite3.Database) {
    // Walks the path index (the UNIQUE constraint's) from a position: a page
    // costs the same however many streams exist. TEXT compares with the
    // BINARY collation, i.e. in byte order of the UTF-8 paths.
    this.#from = db.prepare<[string, number], ListedRow>(
      `SELECT s.id, s.path, s.content_type, s.created_at, s.ttl_seconds, s.expires_at,
        s.last_access_at, s.tail, s.closed, s.fork_source, src.path AS fork_source_path,
        s.fork_position, s.fork_offset, s.fork_sub_offset, s.soft_deleted
        FROM streams s LEFT JOIN streams src ON src.id = s.fork_source
        WHERE s.path >= ? ORDER BY s.path LIMIT ?`,
    );
  }

  /** Rows whose path sorts at or after `start`, in order, at most `limit`. */
  from(start: string, limit: number): IterableIterator<ListedRow> {
    return this.#from.iterate(start, limit);
  }
}

/** A row as the engine's listing sees it. */
export function summaryOf(row: ListedRow): StreamSummary {
  return summaryOfRow(row, row.tail, forkOfRow(row.fork_source, row));
}
