/** The SQLite schema of the durable store, created on first open. */

import type BetterSqlite3 from "better-sqlite3";

/**
 * 1: streams, chunks, producers.
 * 2: `chunks.ends`, the append boundaries inside a chunk that holds several appends.
 * 3: retention: `streams.earliest`, `streams.retention_*`, `chunks.written_at`
 *    and an index of forks by source (a source keeps what its forks reference).
 * 4: `producers.updated_at` (ms of a producer's last accepted append) and its
 *    index: idle producer state expires.
 */
const SCHEMA_VERSION = 4;

/**
 * What version 4 adds to a version 3 file. States stored before it count
 * from the upgrade (`?` is now), not from 1970: none expires at the first sweep.
 */
const PRODUCER_EXPIRY = `
  ALTER TABLE producers ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX producers_updated_at ON producers (updated_at);
`;

/** What version 3 adds to a version 2 file. */
const RETENTION_COLUMNS = `
  ALTER TABLE streams ADD COLUMN earliest INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE streams ADD COLUMN retention_max_bytes INTEGER;
  ALTER TABLE streams ADD COLUMN retention_max_age INTEGER;
  ALTER TABLE chunks ADD COLUMN written_at INTEGER;
  CREATE INDEX streams_fork_source ON streams (fork_source, fork_position)
    WHERE fork_source IS NOT NULL;
`;

/**
 * Creates the schema when the file is new, upgrades an older one; refuses a
 * file from a newer version. One transaction: a crash (or power cut) leaves
 * either the old schema or the new one, never a half-created one (the
 * statements of one `exec` would otherwise each commit on their own).
 */
export function ensureSchema(db: BetterSqlite3.Database): void {
  db.transaction(() => upgrade(db)).immediate();
}

function upgrade(db: BetterSqlite3.Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${version} is newer than this server (${SCHEMA_VERSION})`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  if (version >= 1) {
    // Rows written before version 3 have no write time: age limits treat them as old.
    db.exec(`
      ${version === 1 ? "ALTER TABLE chunks ADD COLUMN ends BLOB;" : ""}
      ${version <= 2 ? RETENTION_COLUMNS : ""}
      ${PRODUCER_EXPIRY}
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
    db.prepare("UPDATE producers SET updated_at = ?").run(Date.now());
    return;
  }
  db.exec(`
    CREATE TABLE streams (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL UNIQUE,
      content_type TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      ttl_seconds INTEGER,
      expires_at INTEGER,
      last_access_at INTEGER NOT NULL,
      expiry_due INTEGER,
      tail INTEGER NOT NULL,
      closed INTEGER NOT NULL DEFAULT 0,
      closed_by_producer TEXT,
      closed_by_epoch INTEGER,
      closed_by_seq INTEGER,
      last_stream_seq TEXT,
      fork_source INTEGER,
      fork_position INTEGER,
      fork_offset TEXT,
      fork_sub_offset INTEGER,
      fork_count INTEGER NOT NULL DEFAULT 0,
      soft_deleted INTEGER NOT NULL DEFAULT 0,
      earliest INTEGER NOT NULL DEFAULT 0,
      retention_max_bytes INTEGER,
      retention_max_age INTEGER
    );
    CREATE INDEX streams_fork_source ON streams (fork_source, fork_position)
      WHERE fork_source IS NOT NULL;
    CREATE INDEX streams_expiry ON streams (expiry_due) WHERE expiry_due IS NOT NULL;
    CREATE TABLE chunks (
      stream_id INTEGER NOT NULL,
      end_pos INTEGER NOT NULL,
      start_pos INTEGER NOT NULL,
      data BLOB NOT NULL,
      ends BLOB,
      written_at INTEGER,
      PRIMARY KEY (stream_id, end_pos)
    );
    CREATE TABLE producers (
      stream_id INTEGER NOT NULL,
      producer_id TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      updated_at INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (stream_id, producer_id)
    ) WITHOUT ROWID;
    CREATE INDEX producers_updated_at ON producers (updated_at);
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}
