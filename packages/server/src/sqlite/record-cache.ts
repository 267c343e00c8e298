/**
 * The SQLite store's records in memory: only recently used streams, at most
 * `size` of them (evicted in batches, least recently used first), and never
 * one that is pinned (a write in flight, a TTL refresh not yet stored).
 * Records are the engine's view of a stream, so a cached one is always ahead
 * of its row; a record not cached is read from its row again.
 */

import type { StreamRecord } from "@durastream/server-core";

/** A bounded LRU of records, by path and by id. */
export class RecordCache {
  readonly #byPath = new Map<string, StreamRecord>();
  /** Map order is the LRU order. */
  readonly #byId = new Map<number, StreamRecord>();
  /** The record last moved to the end of `#byId`. */
  #newest: StreamRecord | undefined;

  constructor(
    private readonly size: number,
    /** Whether a record must stay in memory. */
    private readonly pinned: (record: StreamRecord) => boolean,
  ) {}

  /** The cached record at `path`, marked recently used. */
  getByPath(path: string): StreamRecord | undefined {
    const cached = this.#byPath.get(path);
    return cached && this.#use(cached);
  }

  /** The cached record `id`, marked recently used. */
  getById(id: number): StreamRecord | undefined {
    const cached = this.#byId.get(id);
    return cached && this.#use(cached);
  }

  /** The cached record `id`, left where it is in the LRU order (listings). */
  peek(id: number): StreamRecord | undefined {
    return this.#byId.get(id);
  }

  /** Every cached record (a copy: the caller may forget some). */
  records(): StreamRecord[] {
    return [...this.#byId.values()];
  }

  /** Caches a record as the most recently used. */
  remember(record: StreamRecord): void {
    this.#byPath.set(record.path, record);
    this.#byId.set(record.id, record);
    this.#newest = record;
    // Evict in batches: dropping one record per new one walks the Map's
    // deleted slots from its start every time.
    if (this.#byId.size > this.size + (this.size >> 3)) this.#evict();
  }

  /** Drops a record (removed, or rolled back before it was stored). */
  forget(record: StreamRecord): void {
    if (this.#newest === record) this.#newest = undefined;
    this.#byId.delete(record.id);
    if (this.#byPath.get(record.path) === record) this.#byPath.delete(record.path);
  }

  /** Drops least recently used records that are not pinned, down to the cache size. */
  #evict(): void {
    const excess = this.#byId.size - this.size;
    let dropped = 0;
    for (const record of this.#byId.values()) {
      if (dropped >= excess) break;
      if (this.pinned(record)) continue;
      this.forget(record);
      dropped++;
    }
  }

  /** Marks a record recently used. */
  #use(record: StreamRecord): StreamRecord {
    // Moving the newest record again would only churn the Map's table.
    if (record === this.#newest) return record;
    this.#byId.delete(record.id);
    this.#byId.set(record.id, record);
    this.#newest = record;
    return record;
  }
}
