/**
 * The schema of one stream's object in `ctx.storage.sql`. An object holds the
 * stream at its path (and, after a delete and re-create, the next one at the
 * same path), its chunks and producers, and the bookkeeping of forks.
 */

/**
 * Bumped when the schema changes; an object refuses a newer one.
 * 2: `streams.fork_depth`, how many forks deep a fork is (`maxForkDepth`).
 * 3: retention (see `RETENTION_STATEMENTS`).
 * 4: `producers.updated_at`, for expiry of idle producers (see `PRODUCER_EXPIRY_STATEMENTS`).
 */
const SCHEMA_VERSION = 4;

/**
 * Whether the object has tables yet. An object is created by any request to
 * its name (a read of a stream that does not exist included): it writes its
 * schema only when it first stores a stream, so such reads cost no storage.
 */
export function hasSchema(sql: SqlStorage): boolean {
  return (
    sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").toArray()
      .length > 0
  );
}

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
  if (version > 0) {
    // An object written by an older Worker: each version's changes in turn.
    if (version < 2) {
      // Forks stored before it have no depth: theirs is counted as 1 (the chain is in other objects).
      sql.exec("ALTER TABLE streams ADD COLUMN fork_depth INTEGER");
    }
    if (version < 3) for (const statement of RETENTION_STATEMENTS) sql.exec(statement);
    if (version < 4) {
      for (const statement of PRODUCER_EXPIRY_STATEMENTS) sql.exec(statement);
      // Producers stored before have no time of their last append: their
      // idle time counts from now, so none expires the moment the Worker updates.
      sql.exec("UPDATE producers SET updated_at = ?", Date.now());
    }
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", SCHEMA_VERSION);
    return;
  }
  // One statement per exec: the SQL API runs multi-statement strings, but
  // keeping them apart makes a failure name its statement.
  for (const statement of [
    // The tail is not a column: it is the end of the last chunk (or the fork
    // point), so an append writes one chunk row and nothing else.
    `CREATE TABLE streams (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL,
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
      fork_source_id INTEGER,
      fork_position INTEGER,
      fork_offset TEXT,
      fork_sub_offset INTEGER,
      fork_count INTEGER NOT NULL DEFAULT 0,
      soft_deleted INTEGER NOT NULL DEFAULT 0,
      fork_depth INTEGER
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
    // Releases of this object's streams applied for forks in other objects,
    // by key: a fork retries a release until it hears back, so one can arrive twice.
    `CREATE TABLE applied_releases (
      release_key TEXT PRIMARY KEY
    ) WITHOUT ROWID`,
    // References this object still has to release on fork sources in other
    // objects: written with the fork's removal, cleared once the source answered.
    `CREATE TABLE pending_releases (
      release_key TEXT PRIMARY KEY,
      source_path TEXT NOT NULL,
      origin TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    ...RETENTION_STATEMENTS,
    ...PRODUCER_EXPIRY_STATEMENTS,
  ]) {
    sql.exec(statement);
  }
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)", SCHEMA_VERSION);
}

/**
 * Version 3: retention. A stream's own settings and its earliest retained
 * position, each chunk's write time (for age limits; null in chunks written
 * before, which count as old), and the holds forks in other objects keep on
 * this object's stream: per source stream and earliest position a fork still
 * reads from, how many forks read from there (a fork's own object cannot be
 * asked synchronously when a trim is planned).
 */
const RETENTION_STATEMENTS = [
  "ALTER TABLE streams ADD COLUMN retention_max_bytes INTEGER",
  "ALTER TABLE streams ADD COLUMN retention_max_age_seconds INTEGER",
  "ALTER TABLE streams ADD COLUMN earliest INTEGER NOT NULL DEFAULT 0",
  "ALTER TABLE chunks ADD COLUMN written_at INTEGER",
  `CREATE TABLE fork_holds (
    source_id INTEGER NOT NULL,
    earliest INTEGER NOT NULL,
    forks INTEGER NOT NULL,
    PRIMARY KEY (source_id, earliest)
  ) WITHOUT ROWID`,
];

/**
 * Version 4: when each producer's last append was accepted (ms since epoch),
 * indexed so the expiry sweep deletes the idle ones oldest first and the
 * alarm finds the next one due without a scan.
 */
const PRODUCER_EXPIRY_STATEMENTS = [
  "ALTER TABLE producers ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0",
  "CREATE INDEX producers_updated_at ON producers (updated_at)",
];
