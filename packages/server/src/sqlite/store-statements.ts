/**
 * The SQLite store's prepared statements, prepared once per database: stream
 * rows, chunks, producers, TTL refreshes, expiry, retention trims.
 */

import type { StreamColumns } from "@durastream/server-core";
import type Database from "better-sqlite3";

/** A `streams` row (`SELECT_STREAM`): the shared columns and this store's own. */
export interface StreamRow extends StreamColumns {
  tail: number;
  fork_source: number | null;
  earliest: number;
  retention_max_bytes: number | null;
  retention_max_age: number | null;
}

/** A stream row with its fork source's path (soft-deleted sources keep their row). */
const SELECT_STREAM = `SELECT s.*, src.path AS fork_source_path FROM streams s
  LEFT JOIN streams src ON src.id = s.fork_source`;

/** The store's statements, by what they do. */
export interface StoreStatements {
  readonly byPath: Database.Statement<[string], StreamRow>;
  readonly byId: Database.Statement<[number], StreamRow>;
  readonly insertStream: Database.Statement;
  readonly insertChunk: Database.Statement;
  readonly updateAfterAppend: Database.Statement;
  /**
   * The row update of a plain append (stream open, no `Stream-Seq` kept, no
   * sliding TTL): only the tail and the access time change, and positional
   * parameters bind without reading an object's properties.
   */
  readonly updateTail: Database.Statement<[number, number, number]>;
  readonly upsertProducer: Database.Statement;
  readonly producer: Database.Statement<
    [number, string],
    { epoch: number; last_seq: number; updated_at: number }
  >;
  readonly expireProducers: Database.Statement<[number, number]>;
  readonly chunkSpansFrom: Database.Statement<
    [number, number, number],
    { start_pos: number; end_pos: number }
  >;
  readonly chunkData: Database.Statement<[number, number], { data: Buffer }>;
  readonly chunkEnds: Database.Statement<
    [number, number],
    { start_pos: number; end_pos: number; ends: Buffer | null }
  >;
  readonly touch: Database.Statement;
  readonly forkCountDelta: Database.Statement;
  readonly softDelete: Database.Statement;
  readonly deleteChunks: Database.Statement;
  readonly deleteProducers: Database.Statement;
  readonly deleteStream: Database.Statement;
  readonly expired: Database.Statement<[number, number], { id: number }>;
  readonly chunkTimesFrom: Database.Statement<
    [number, number],
    { end_pos: number; written_at: number | null }
  >;
  readonly forkFloor: Database.Statement<[number], { floor: number | null }>;
  readonly trimmedEnd: Database.Statement<[number, number, number], { end: number | null }>;
  readonly trimChunks: Database.Statement;
  readonly setEarliest: Database.Statement;
  readonly maxId: Database.Statement<[], { id: number | null }>;
}

/** Prepares every statement of the store on `db`. */
export function prepareStatements(db: Database.Database): StoreStatements {
  return {
    byPath: db.prepare<[string], StreamRow>(`${SELECT_STREAM} WHERE s.path = ?`),
    byId: db.prepare<[number], StreamRow>(`${SELECT_STREAM} WHERE s.id = ?`),
    insertStream: db.prepare(
      // Positional: binding 17 named parameters reads them off an object, per create.
      `INSERT INTO streams (id, path, content_type, created_at, ttl_seconds, expires_at,
        last_access_at, expiry_due, tail, closed, fork_source, fork_position, fork_offset,
        fork_sub_offset, earliest, retention_max_bytes, retention_max_age)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertChunk: db.prepare(
      `INSERT INTO chunks (stream_id, end_pos, start_pos, data, ends, written_at)
        VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    updateTail: db.prepare<[number, number, number]>(
      "UPDATE streams SET tail = ?, last_access_at = ? WHERE id = ?",
    ),
    updateAfterAppend: db.prepare(
      `UPDATE streams SET tail = @tail, closed = @closed, closed_by_producer = @closedByProducer,
        closed_by_epoch = @closedByEpoch, closed_by_seq = @closedBySeq,
        last_stream_seq = @lastStreamSeq, last_access_at = @lastAccessAt,
        expiry_due = @expiryDue WHERE id = @id`,
    ),
    upsertProducer: db.prepare(
      `INSERT INTO producers (stream_id, producer_id, epoch, last_seq, updated_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (stream_id, producer_id) DO UPDATE SET epoch = excluded.epoch,
        last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
    ),
    producer: db.prepare<[number, string], { epoch: number; last_seq: number; updated_at: number }>(
      "SELECT epoch, last_seq, updated_at FROM producers WHERE stream_id = ? AND producer_id = ?",
    ),
    expireProducers: db.prepare<[number, number]>(
      `DELETE FROM producers WHERE (stream_id, producer_id) IN (SELECT stream_id, producer_id
        FROM producers WHERE updated_at < ? ORDER BY updated_at LIMIT ?)`,
    ),
    // Spans only: a row's first page holds them, its blob stays on disk until loaded.
    chunkSpansFrom: db.prepare<[number, number, number], { start_pos: number; end_pos: number }>(
      `SELECT start_pos, end_pos FROM chunks WHERE stream_id = ? AND end_pos > ? AND start_pos < ?
        ORDER BY end_pos`,
    ),
    chunkData: db.prepare<[number, number], { data: Buffer }>(
      "SELECT data FROM chunks WHERE stream_id = ? AND end_pos = ?",
    ),
    chunkEnds: db.prepare<
      [number, number],
      { start_pos: number; end_pos: number; ends: Buffer | null }
    >(
      `SELECT start_pos, end_pos, ends FROM chunks WHERE stream_id = ? AND end_pos > ?
        ORDER BY end_pos LIMIT 1`,
    ),
    touch: db.prepare("UPDATE streams SET last_access_at = ?, expiry_due = ? WHERE id = ?"),
    forkCountDelta: db.prepare("UPDATE streams SET fork_count = fork_count + ? WHERE id = ?"),
    softDelete: db.prepare("UPDATE streams SET soft_deleted = 1 WHERE id = ?"),
    deleteChunks: db.prepare("DELETE FROM chunks WHERE stream_id = ?"),
    deleteProducers: db.prepare("DELETE FROM producers WHERE stream_id = ?"),
    deleteStream: db.prepare("DELETE FROM streams WHERE id = ?"),
    expired: db.prepare<[number, number], { id: number }>(
      `SELECT id FROM streams WHERE expiry_due IS NOT NULL AND expiry_due <= ?
        AND soft_deleted = 0 ORDER BY expiry_due LIMIT ?`,
    ),
    chunkTimesFrom: db.prepare<[number, number], { end_pos: number; written_at: number | null }>(
      `SELECT end_pos, written_at FROM chunks WHERE stream_id = ? AND end_pos > ?
        ORDER BY end_pos`,
    ),
    forkFloor: db.prepare<[number], { floor: number | null }>(
      `SELECT MIN(earliest) AS floor FROM streams WHERE fork_source = ?
        AND earliest < fork_position`,
    ),
    trimmedEnd: db.prepare<[number, number, number], { end: number | null }>(
      "SELECT MAX(end_pos) AS end FROM chunks WHERE stream_id = ? AND end_pos > ? AND end_pos <= ?",
    ),
    trimChunks: db.prepare("DELETE FROM chunks WHERE stream_id = ? AND end_pos <= ?"),
    setEarliest: db.prepare("UPDATE streams SET earliest = ? WHERE id = ?"),
    maxId: db.prepare<[], { id: number | null }>("SELECT MAX(id) AS id FROM streams"),
  };
}
