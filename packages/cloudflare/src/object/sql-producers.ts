/**
 * Idempotent-producer state of one Durable Object: the `producers` table in
 * its SQLite, with a bounded cache in memory (server-core's `ProducerCache`,
 * the Node store's too). A writer that sends a new `Producer-Id` with every
 * request grows the table, which the expiry sweep empties of idle producers,
 * but not the object's memory: a miss reads one row by its key.
 */

import { ProducerCache, type ProducerState } from "@durastream/server-core";

/** Producer states kept in memory by default (the Node server's `--producer-cache-size`). */
export const DEFAULT_PRODUCER_CACHE_SIZE = 10_000;

/** The producer rows of one object, and the states it holds in memory. */
export class SqlProducers {
  readonly #sql: SqlStorage;
  readonly #cache: ProducerCache;

  constructor(sql: SqlStorage, cacheSize: number) {
    this.#sql = sql;
    this.#cache = new ProducerCache(cacheSize);
  }

  /** The state of `producerId` on stream `streamId`, from memory or its row. */
  get(streamId: number, producerId: string): ProducerState | undefined {
    const cached = this.#cache.get(streamId, producerId);
    if (cached) return cached;
    const row = this.#sql
      .exec<{ epoch: number; last_seq: number; updated_at: number }>(
        "SELECT epoch, last_seq, updated_at FROM producers WHERE stream_id = ? AND producer_id = ?",
        streamId,
        producerId,
      )
      .toArray()[0];
    if (!row) return undefined;
    const state = { epoch: row.epoch, lastSeq: row.last_seq, updatedAt: row.updated_at };
    this.#cache.loaded(streamId, producerId, state);
    return state;
  }

  /** Writes a producer's new state (inside the append's transaction). */
  write(streamId: number, producerId: string, state: ProducerState, now: number): void {
    this.#sql.exec(
      `INSERT INTO producers (stream_id, producer_id, epoch, last_seq, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (stream_id, producer_id) DO UPDATE SET epoch = excluded.epoch,
           last_seq = excluded.last_seq, updated_at = excluded.updated_at`,
      streamId,
      producerId,
      state.epoch,
      state.lastSeq,
      state.updatedAt ?? now,
    );
  }

  /**
   * The append that wrote `state` committed. A transaction of the SQL API is
   * durable when it returns (the output gate holds the answer until it is on
   * disk), so the state joins the cache at once; a rolled-back one never does.
   */
  committed(streamId: number, producerId: string, state: ProducerState): void {
    this.#cache.loaded(streamId, producerId, state);
  }

  /**
   * Deletes up to `limit` producers whose last append was before `before`,
   * oldest first; returns how many. Their cached states stay until evicted:
   * the engine sees from `updatedAt` that they expired.
   */
  expire(before: number, limit: number): number {
    return this.#sql
      .exec(
        `DELETE FROM producers WHERE (stream_id, producer_id) IN (SELECT stream_id, producer_id
           FROM producers WHERE updated_at < ? ORDER BY updated_at LIMIT ?) RETURNING 1`,
        before,
        limit,
      )
      .toArray().length;
  }

  /** When the least recently used producer made its last append, or null when there is none. */
  oldestUpdate(): number | null {
    return (
      this.#sql.exec<{ at: number | null }>("SELECT MIN(updated_at) AS at FROM producers").one()
        .at ?? null
    );
  }

  /** Producer states held in memory (at most the cache size). */
  get held(): number {
    return this.#cache.size;
  }

  /** Forgets what is held (the object's storage was deleted). */
  clear(): void {
    this.#cache.clear();
  }
}
