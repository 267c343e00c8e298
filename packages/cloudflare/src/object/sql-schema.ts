/**
 * The schema of one stream's object in `ctx.storage.sql`. An object holds the
 * stream at its path (and, after a delete and re-create, the next one at the
 * same path), its chunks and producers, and the bookkeeping of forks.
 */

/** Bumped when the schema changes; an object refuses a newer one. */
const SCHEMA_VERSION = 1;

/**
 * Creates the tables when the object is new. Synchronous (the SQL API is), so
 * the constructor can run it before the first request.
 */
export function ensureSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID");
  const row = sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = 'schema'").toArray();
  const version = row[0]?.value ?? 0;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `object schema version ${version} is newer than this Worker (${SCHEMA_VERSION})`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  // One statement per exec: the SQL API runs multi-statement strings, but
  // keeping them apart makes a failure name its statement.
  for (const statement of [
    // The tail is not a column: it is the end of the last chunk (or the fork
    // point), so an append writes one chunk row and nothing else.
    `CREATE TABLE streams (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL,
      incarnation TEXT NOT NULL,
      content_type TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      ttl_seconds INTEGER,
      expires_at INTEGER,
      last_access_at INTEGER NOT NULL,
      closed INTEGER NOT NULL DEFAULT 0,
      closed_by_producer TEXT,
      closed_by_epoch INTEGER,
      closed_by_seq INTEGER,
      last_stream_seq TEXT,
      fork_source_path TEXT,
      fork_source_incarnation TEXT,
      fork_position INTEGER,
      fork_offset TEXT,
      fork_sub_offset INTEGER,
      soft_deleted INTEGER NOT NULL DEFAULT 0
    )`,
    // Chunks of at most MAX_CHUNK_BYTES (a SQLite value in a Durable Object is
    // limited to 2 MB); `append_end` is where the append that wrote it ends.
    `CREATE TABLE chunks (
      stream_id INTEGER NOT NULL,
      end_pos INTEGER NOT NULL,
      start_pos INTEGER NOT NULL,
      append_end INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (stream_id, end_pos)
    ) WITHOUT ROWID`,
    `CREATE TABLE producers (
      stream_id INTEGER NOT NULL,
      producer_id TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      last_seq INTEGER NOT NULL,
      PRIMARY KEY (stream_id, producer_id)
    ) WITHOUT ROWID`,
    // Forks (in other objects) holding a reference to a stream of this object.
    // Keyed by the fork's identity, so taking or releasing twice is harmless.
    `CREATE TABLE fork_refs (
      stream_id INTEGER NOT NULL,
      fork_key TEXT NOT NULL,
      PRIMARY KEY (stream_id, fork_key)
    ) WITHOUT ROWID`,
    // References this object still has to release on fork sources (a durable
    // journal: written before the remote call, cleared after it succeeded).
    `CREATE TABLE pending_releases (
      source_path TEXT NOT NULL,
      fork_key TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      PRIMARY KEY (source_path, fork_key)
    ) WITHOUT ROWID`,
  ]) {
    sql.exec(statement);
  }
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", SCHEMA_VERSION);
}
