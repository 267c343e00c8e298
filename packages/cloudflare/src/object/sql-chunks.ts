/**
 * A Durable Object's stream data in its `chunks` table: each append is one or
 * more rows of at most `MAX_CHUNK_BYTES`, keyed by (stream, end position), and
 * every row of an append carries that append's end (`append_end`), so message
 * boundaries survive an append split across rows.
 */

import type { StoredChunk } from "@durastream/server-core";

/** Largest chunk row: a SQLite value in a Durable Object holds at most 2 MB. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** Rows read per query when a read walks the table. */
const ROWS_PER_QUERY = 64;

/** Writes `data` of stream `id` at `start` as rows of at most MAX_CHUNK_BYTES. */
export function writeChunks(
  sql: SqlStorage,
  id: number,
  start: number,
  data: Uint8Array,
  now: number,
): void {
  const appendEnd = start + data.length;
  for (let at = 0; at < data.length; at += MAX_CHUNK_BYTES) {
    const piece = data.subarray(at, Math.min(data.length, at + MAX_CHUNK_BYTES));
    sql.exec(
      "INSERT INTO chunks (stream_id, end_pos, start_pos, append_end, data, written_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      start + at + piece.length,
      start + at,
      appendEnd,
      piece,
      now,
    );
  }
}

/** The rows of stream `id` overlapping [from, to), until `maxBytes` are collected. */
export function readChunks(
  sql: SqlStorage,
  id: number,
  from: number,
  to: number,
  maxBytes: number,
): StoredChunk[] {
  const out: StoredChunk[] = [];
  let bytes = 0;
  // Rows come in end order; a chunk is at most 1 MiB, so a page of rows
  // bounded by the byte budget is read in a few steps.
  let after = from;
  while (bytes < maxBytes) {
    const rows = sql
      .exec<{ start_pos: number; data: ArrayBuffer }>(
        `SELECT start_pos, data FROM chunks WHERE stream_id = ? AND end_pos > ? AND start_pos < ?
         ORDER BY end_pos LIMIT ${ROWS_PER_QUERY}`,
        id,
        after,
        to,
      )
      .toArray();
    if (rows.length === 0) break;
    for (const row of rows) {
      const data = new Uint8Array(row.data);
      out.push({ start: row.start_pos, bytes: data });
      bytes += data.length;
      after = row.start_pos + data.length;
      if (bytes >= maxBytes) break;
    }
    if (rows.length < ROWS_PER_QUERY) break;
  }
  return out;
}

/** The end of the append holding byte `position` of stream `id`, or undefined. */
export function appendEndAt(sql: SqlStorage, id: number, position: number): number | undefined {
  return chunkAt(sql, id, position)?.append_end;
}

/** The start of the append holding byte `position` of stream `id`, or undefined. */
export function appendStartAt(sql: SqlStorage, id: number, position: number): number | undefined {
  const row = chunkAt(sql, id, position);
  if (!row) return undefined;
  // An append longer than a row spans several rows with the same `append_end`:
  // walk back through them (contiguous, keyed by their end) to the first.
  let start = row.start_pos;
  for (;;) {
    const previous = sql
      .exec<{ start_pos: number; append_end: number }>(
        "SELECT start_pos, append_end FROM chunks WHERE stream_id = ? AND end_pos = ?",
        id,
        start,
      )
      .toArray()[0];
    if (previous?.append_end !== row.append_end) return start;
    start = previous.start_pos;
  }
}

/** The stored row holding byte `position` of stream `id`, or undefined. */
function chunkAt(
  sql: SqlStorage,
  id: number,
  position: number,
): { start_pos: number; append_end: number } | undefined {
  return sql
    .exec<{ start_pos: number; append_end: number }>(
      `SELECT start_pos, append_end FROM chunks WHERE stream_id = ? AND end_pos > ? AND start_pos <= ?
       ORDER BY end_pos LIMIT 1`,
      id,
      position,
      position,
    )
    .toArray()[0];
}
