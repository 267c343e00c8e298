/**
 * Retention on the Durable Object store (`RetentionStore`, docs/retention.md):
 * which chunks are old enough to go, how far forks hold the stream's data
 * back, and the trim itself. Forks live in other objects, so the forks that
 * still read below their fork point are counted here as holds (per source
 * stream and earliest position), taken when a fork is made (`forkExport`) and
 * dropped by the fork's release or when the fork trims past its fork point;
 * both arrive over RPC, each applied once by its key.
 */

import type { RetentionStore, StreamRecord } from "@durastream/server-core";

/** Chunk rows an age check reads at most per call (the next pass goes on). */
const AGED_SCAN_ROWS = 10_000;

interface ChunkTimeRow extends Record<string, SqlStorageValue> {
  end_pos: number;
  append_end: number;
  written_at: number | null;
}

/**
 * What retention reads of the store whose chunks it trims (`SqlStore` hands
 * itself in): named here so the store and its retention part do not import
 * each other.
 */
export interface RetainedStreams {
  /** Whether the store has loaded its records (the fork holds table is read only then). */
  readonly ready: boolean;
  /** Every stream record the store holds (forks made in the same object among them). */
  records(): Iterable<StreamRecord>;
  getById(id: number): StreamRecord | undefined;
}

/** The store's retention support. */
export class SqlRetention implements RetentionStore {
  readonly #storage: DurableObjectStorage;
  readonly #store: RetainedStreams;
  /**
   * Runs before a fork trims past its fork point (it stops reading from its
   * source): the source must drop the fork's hold first. Null in a store
   * without remote sources (the contract tests).
   */
  beforeForkTrim: ((record: StreamRecord) => Promise<void>) | null = null;

  constructor(storage: DurableObjectStorage, store: RetainedStreams) {
    this.#storage = storage;
    this.#store = store;
  }

  agedEnd(record: StreamRecord, writtenBefore: number): number {
    // Write times rise with positions: the aged chunks are a prefix. Only
    // the end of a whole append is a data boundary a reader may start at.
    let end = record.earliest;
    const rows = this.#storage.sql.exec<ChunkTimeRow>(
      `SELECT end_pos, append_end, written_at FROM chunks
       WHERE stream_id = ? AND end_pos > ? ORDER BY end_pos LIMIT ?`,
      record.id,
      record.earliest,
      AGED_SCAN_ROWS,
    );
    for (const row of rows) {
      if (row.written_at !== null && row.written_at >= writtenBefore) break;
      if (row.end_pos === row.append_end) end = row.end_pos;
    }
    return end;
  }

  forkFloor(record: StreamRecord): number | null {
    let floor: number | null = null;
    // Forks in this object (the contract suite makes them; a deployment does not).
    for (const fork of this.#store.records()) {
      if (fork.fork?.sourceId !== record.id || fork.earliest >= fork.fork.position) continue;
      if (floor === null || fork.earliest < floor) floor = fork.earliest;
    }
    if (!this.#store.ready) return floor;
    const held = this.#storage.sql
      .exec<{ floor: number | null }>(
        "SELECT MIN(earliest) AS floor FROM fork_holds WHERE source_id = ? AND forks > 0",
        record.id,
      )
      .one().floor;
    if (held !== null && (floor === null || held < floor)) floor = held;
    return floor;
  }

  async trim(record: StreamRecord, before: number): Promise<void> {
    const limit = Math.min(before, record.visibleTail);
    const end = this.#storage.sql
      .exec<{ end: number | null }>(
        `SELECT MAX(end_pos) AS end FROM chunks
         WHERE stream_id = ? AND end_pos > ? AND end_pos <= ? AND end_pos = append_end`,
        record.id,
        record.earliest,
        limit,
      )
      .one().end;
    if (end === null) return;
    const fork = record.fork;
    if (fork && record.earliest < fork.position && end >= fork.position && this.beforeForkTrim) {
      try {
        await this.beforeForkTrim(record);
      } catch (error) {
        // The source still counts this fork's hold: keep reading from it; the next pass retries.
        console.error("durastream: a fork source did not drop its hold; trim postponed", error);
        return;
      }
    }
    if (this.#store.getById(record.id) !== record || end <= record.earliest) return;
    record.earliest = end;
    this.#storage.transactionSync(() => {
      this.#storage.sql.exec(
        "DELETE FROM chunks WHERE stream_id = ? AND end_pos <= ?",
        record.id,
        end,
      );
      this.#storage.sql.exec("UPDATE streams SET earliest = ? WHERE id = ?", end, record.id);
    });
  }

  /** A fork in another object reads this stream from `earliest` (taken with its reference). */
  hold(sourceId: number, earliest: number): void {
    this.#storage.sql.exec(
      `INSERT INTO fork_holds (source_id, earliest, forks) VALUES (?, ?, 1)
       ON CONFLICT (source_id, earliest) DO UPDATE SET forks = forks + 1`,
      sourceId,
      earliest,
    );
  }

  /** A fork that read from `earliest` no longer does (released, or trimmed past its fork point). */
  unhold(sourceId: number, earliest: number): void {
    this.#storage.sql.exec(
      "UPDATE fork_holds SET forks = forks - 1 WHERE source_id = ? AND earliest = ?",
      sourceId,
      earliest,
    );
    this.#storage.sql.exec("DELETE FROM fork_holds WHERE forks <= 0");
  }

  /**
   * When the stream `record` next has data to age out (its oldest retained
   * chunk's write time plus the age limit), or null without an age limit.
   */
  nextAgeOut(record: StreamRecord, maxAgeSeconds: number): number | null {
    const row = this.#storage.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(written_at) AS at FROM chunks WHERE stream_id = ? AND end_pos > ?",
        record.id,
        record.earliest,
      )
      .one();
    return row.at === null ? null : row.at + maxAgeSeconds * 1000;
  }
}
