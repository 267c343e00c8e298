/** Stream listing over the SQLite store's path index. */

import type { ForkOrigin, StreamSummary } from "@durastream/server-core";
import type BetterSqlite3 from "better-sqlite3";

/** The columns of `streams` a listing shows. */
export interface ListedRow {
  id: number;
  path: string;
  content_type: string;
  created_at: number;
  ttl_seconds: number | null;
  expires_at: number | null;
  last_access_at: number;
  tail: number;
  closed: number;
  fork_source: number | null;
  fork_source_path: string | null;
  fork_position: number | null;
  fork_offset: string | null;
  fork_sub_offset: number | null;
  soft_deleted: number;
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
  return {
    path: row.path,
    contentType: row.content_type,
    createdAt: row.created_at,
    ttlSeconds: row.ttl_seconds,
    expiresAt: row.expires_at,
    lastAccessAt: row.last_access_at,
    visibleTail: row.tail,
    visibleClosed: row.closed === 1,
    fork: forkOfRow(row),
    softDeleted: row.soft_deleted === 1,
  };
}

/** The fork columns of a `streams` row. */
export type ForkColumns = Pick<
  ListedRow,
  "fork_source" | "fork_source_path" | "fork_position" | "fork_offset" | "fork_sub_offset"
>;

/** A row's fork origin, or null for a root stream. */
export function forkOfRow(row: ForkColumns): ForkOrigin | null {
  if (row.fork_source === null) return null;
  return {
    sourceId: row.fork_source,
    sourcePath: row.fork_source_path ?? "",
    position: row.fork_position ?? 0,
    requestedOffset: row.fork_offset ?? "",
    requestedSubOffset: row.fork_sub_offset ?? 0,
  };
}
