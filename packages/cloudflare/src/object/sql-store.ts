/**
 * The stream store of one Durable Object, over `ctx.storage.sql`.
 *
 * The SQL API is synchronous and a Durable Object runs one event at a time,
 * so the engine's check-then-write stays atomic without locks. Each mutation
 * is one `transactionSync` (data, producer state and closure together), and
 * the runtime's output gate holds every response until that write is durable:
 * a promise resolved at once here still means "acknowledged only once durable".
 */

import {
  type AppendWrite,
  comparePaths,
  expiryOf,
  type ForkOrigin,
  forkOfRow,
  type NewStream,
  newStreamRecord,
  type ProducerState,
  ProtocolError,
  recordOfRow,
  reserveAppend,
  type StoredChunk,
  type StreamColumns,
  type StreamRecord,
  type StreamStore,
  type StreamSummary,
} from "@durastream/server-core";
import { appendEndAt, appendStartAt, readChunks, writeChunks } from "./sql-chunks.js";
import { DEFAULT_PRODUCER_CACHE_SIZE, SqlProducers } from "./sql-producers.js";
import { SqlRetention } from "./sql-retention.js";
import { ensureSchema, hasSchema } from "./sql-schema.js";

/**
 * A failed write as the engine answers it: 507 `STORAGE_FULL` when SQLite ran
 * out of room (the object's 10 GB), otherwise the error as is (a 500, and
 * the runtime resets an object whose storage failed).
 */
function storageError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_FULL|database or disk is full/i.test(message)) {
    return new ProtocolError(507, "STORAGE_FULL", "the stream's object has no storage left");
  }
  return error;
}

/** A TTL stream's last access is written at most this often. */
const ACCESS_WRITE_INTERVAL_MS = 1000;

const DONE = Promise.resolve();

/** Limits of one object's store. */
export interface SqlStoreLimits {
  /** Most bytes one stream may hold (its own data); 507 beyond. */
  readonly maxStreamBytes: number;
  /** Producer states held in memory at most (the rest stay in their table). Default 10,000. */
  readonly producerCacheSize?: number;
}

/** Told about creates, closes, deletes (inside their transaction) and appends. */
export interface StoreObserver {
  changed(record: StreamRecord, live: boolean): void;
  appended(record: StreamRecord): void;
}

/** A `streams` row: the shared columns, the fork source's id (its path is stored too), retention. */
interface StreamRow extends StreamColumns, Record<string, SqlStorageValue> {
  fork_source_id: number | null;
  retention_max_bytes: number | null;
  retention_max_age_seconds: number | null;
  earliest: number;
  /** How many forks deep a fork is (schema 2; null for a root stream or an older fork). */
  fork_depth: number | null;
}

/** `StreamStore` over a Durable Object's SQLite storage. */
export class SqlStore implements StreamStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #limits: SqlStoreLimits;
  readonly #byPath = new Map<string, StreamRecord>();
  readonly #byId = new Map<number, StreamRecord>();
  readonly #forkOwners = new WeakMap<ForkOrigin, number>();
  readonly #forkRecords = new WeakMap<ForkOrigin, StreamRecord>();
  #retention: SqlRetention | undefined;
  /** The last access time written per stream (TTL streams). */
  readonly #persistedAccess = new Map<number, number>();
  /** Producer states: their rows, and a bounded cache of them. */
  readonly #producers: SqlProducers;
  /**
   * Told when a producer's state is written, with the time of its append:
   * the object arms its alarm to expire the state once idle.
   */
  onProducerWrite: ((updatedAt: number) => void) | null = null;
  /**
   * Ids are never reused in an object, so a re-created stream gets new ETags.
   * A fresh object starts at the clock (ms): an object emptied with
   * `deleteAll` and used again still counts on from past its earlier ids.
   */
  #nextId = Date.now();
  /** Whether the tables exist (they are created with the first stream). */
  #ready: boolean;
  readonly #observer: StoreObserver | null;

  constructor(storage: DurableObjectStorage, limits: SqlStoreLimits, observer?: StoreObserver) {
    this.#storage = storage;
    this.#observer = observer ?? null;
    this.#sql = storage.sql;
    this.#limits = limits;
    this.#producers = new SqlProducers(
      this.#sql,
      limits.producerCacheSize ?? DEFAULT_PRODUCER_CACHE_SIZE,
    );
    this.#ready = hasSchema(this.#sql);
    if (!this.#ready) return;
    // An object written by an older Worker gets the newer columns first.
    storage.transactionSync(() => ensureSchema(this.#sql));
    const counter = this.#sql
      .exec<{ value: number }>("SELECT value FROM meta WHERE key = 'next_id'")
      .toArray()[0];
    if (counter) this.#nextId = counter.value;
    for (const row of this.#sql.exec<StreamRow>("SELECT * FROM streams")) this.#load(row);
  }

  /** Creates the tables if this object has none yet. */
  ensureReady(): void {
    if (this.#ready) return;
    this.#storage.transactionSync(() => ensureSchema(this.#sql));
    this.#ready = true;
  }

  /** Whether the object has its tables (it has stored a stream). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Whether the object holds no stream (a soft-deleted one counts). */
  isEmpty(): boolean {
    return this.#byId.size === 0;
  }

  /** Forgets that tables exist (after `deleteAll`). */
  dropped(): void {
    this.#ready = false;
    this.#producers.clear();
  }

  #load(row: StreamRow): void {
    const tailRow = this.#sql
      .exec<{ tail: number | null }>(
        "SELECT MAX(end_pos) AS tail FROM chunks WHERE stream_id = ?",
        row.id,
      )
      .one();
    const start = row.fork_position ?? 0;
    const tail = Math.max(start, tailRow.tail ?? 0);
    const record = recordOfRow(row, {
      tail,
      fork: withDepth(
        forkOfRow(row.fork_source_path === null ? null : (row.fork_source_id ?? 0), row),
        row.fork_depth,
      ),
      retention:
        row.retention_max_bytes === null && row.retention_max_age_seconds === null
          ? null
          : { maxBytes: row.retention_max_bytes, maxAgeSeconds: row.retention_max_age_seconds },
      earliest: row.earliest,
      durable: DONE,
    });
    this.#persistedAccess.set(record.id, row.last_access_at);
    this.#remember(record);
  }

  #remember(record: StreamRecord): void {
    this.#byPath.set(record.path, record);
    this.#byId.set(record.id, record);
    if (record.fork) {
      this.#forkOwners.set(record.fork, record.id);
      this.#forkRecords.set(record.fork, record);
    }
  }

  /** The stream that forked at `origin`, also once it was removed. */
  forkRecord(origin: ForkOrigin): StreamRecord | undefined {
    return this.#forkRecords.get(origin);
  }

  /** Retention (`RetentionStore`): trims, age limits and the holds of forks. */
  get retention(): SqlRetention {
    this.#retention ??= new SqlRetention(this.#storage, this);
    return this.#retention;
  }

  /** The id of the stream that forked at `origin`, also once it was removed. */
  forkOwner(origin: ForkOrigin): number | undefined {
    return this.#forkOwners.get(origin);
  }

  get(path: string): StreamRecord | undefined {
    return this.#byPath.get(path);
  }

  getById(id: number): StreamRecord | undefined {
    return this.#byId.get(id);
  }

  /** Every stream this object holds (one, but a soft-deleted one may remain). */
  records(): StreamRecord[] {
    return [...this.#byId.values()];
  }

  create(init: NewStream): StreamRecord {
    const initial = init.initialData?.length ?? 0;
    if (initial > this.#limits.maxStreamBytes) throw this.#full(0, initial);
    this.ensureReady();
    const id = this.#nextId++;
    const record = newStreamRecord(id, init, true);
    const start = init.fork?.position ?? 0;
    try {
      this.#storage.transactionSync(() => {
        this.#sql.exec(
          `INSERT INTO streams (id, path, content_type, created_at, ttl_seconds, expires_at,
          last_access_at, closed, fork_source_path, fork_source_id, fork_position, fork_offset,
          fork_sub_offset, fork_depth, retention_max_bytes, retention_max_age_seconds, earliest)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          id,
          init.path,
          init.contentType,
          init.now,
          init.ttlSeconds,
          init.expiresAt,
          init.now,
          init.closed ? 1 : 0,
          init.fork?.sourcePath ?? null,
          init.fork?.sourceId ?? null,
          init.fork?.position ?? null,
          init.fork?.requestedOffset ?? null,
          init.fork?.requestedSubOffset ?? null,
          init.fork?.depth ?? null,
          record.retention?.maxBytes ?? null,
          record.retention?.maxAgeSeconds ?? null,
          record.earliest,
        );
        this.#sql.exec(
          "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_id', ?)",
          this.#nextId,
        );
        if (init.initialData) writeChunks(this.#sql, id, start, init.initialData, init.now);
        this.#observer?.changed(record, true);
      });
    } catch (error) {
      throw storageError(error);
    }
    this.#remember(record);
    return record;
  }

  append(record: StreamRecord, write: AppendWrite): Promise<void> {
    if (!this.#byId.has(record.id)) return DONE;
    const length = write.data?.length ?? 0;
    const own = record.tail - (record.fork?.position ?? 0);
    if (length > 0 && own + length > this.#limits.maxStreamBytes) throw this.#full(own, length);
    const closedBefore = record.closed;
    const seqBefore = record.lastStreamSeq;
    const reserved = {
      tail: record.tail,
      closed: record.closed,
      closedBy: record.closedBy,
      lastStreamSeq: record.lastStreamSeq,
      lastAccessAt: record.lastAccessAt,
    };
    const start = reserveAppend(record, write);
    try {
      this.#storage.transactionSync(() =>
        this.#writeAppend(record, write, start, closedBefore, seqBefore),
      );
    } catch (error) {
      // The transaction rolled back: so does the record, and the append fails.
      Object.assign(record, reserved);
      throw storageError(error);
    }
    if (record.closed === closedBefore && length > 0) this.#observer?.appended(record);
    if (write.producer) {
      const { producerId, state } = write.producer;
      this.#producers.committed(record.id, producerId, state);
      this.onProducerWrite?.(state.updatedAt ?? write.now);
    }
    record.visibleTail = record.tail;
    record.visibleClosed = record.closed;
    return DONE;
  }

  /** The rows of one append: its chunks, its producer's state, the stream row when it changed. */
  #writeAppend(
    record: StreamRecord,
    write: AppendWrite,
    start: number,
    closedBefore: boolean,
    seqBefore: string | null,
  ): void {
    if (write.data) writeChunks(this.#sql, record.id, start, write.data, write.now);
    if (write.producer) {
      const { producerId, state } = write.producer;
      this.#producers.write(record.id, producerId, state, write.now);
    }
    // The stream row changes only when closure or Stream-Seq does (or a
    // TTL's last access is due to be written): most appends write just their chunk.
    const touched = this.#accessDue(record);
    if (record.closed !== closedBefore || record.lastStreamSeq !== seqBefore || touched) {
      this.#persistedAccess.set(record.id, record.lastAccessAt);
      this.#sql.exec(
        `UPDATE streams SET closed = ?, closed_by_producer = ?, closed_by_epoch = ?,
             closed_by_seq = ?, last_stream_seq = ?, last_access_at = ? WHERE id = ?`,
        record.closed ? 1 : 0,
        record.closedBy?.producerId ?? null,
        record.closedBy?.epoch ?? null,
        record.closedBy?.seq ?? null,
        record.lastStreamSeq,
        record.lastAccessAt,
        record.id,
      );
    }
    if (record.closed !== closedBefore) this.#observer?.changed(record, true);
  }

  #full(stored: number, adding: number): ProtocolError {
    return new ProtocolError(
      507,
      "STORAGE_LIMIT",
      `stream would exceed its storage limit of ${this.#limits.maxStreamBytes} bytes ` +
        `(holds ${stored}, append of ${adding})`,
    );
  }

  getProducer(record: StreamRecord, producerId: string): ProducerState | undefined {
    if (!this.#ready) return undefined;
    return this.#producers.get(record.id, producerId);
  }

  /** Producer states held in memory (bounded by `producerCacheSize`). */
  get cachedProducers(): number {
    return this.#producers.held;
  }

  expireProducers(before: number, limit: number): Promise<number> {
    if (!this.#ready) return Promise.resolve(0);
    return Promise.resolve(this.#producers.expire(before, limit));
  }

  /** When the producer idle longest made its last append (for the alarm), or null. */
  oldestProducerUpdate(): number | null {
    return this.#ready ? this.#producers.oldestUpdate() : null;
  }

  readChunks(record: StreamRecord, from: number, to: number, maxBytes: number): StoredChunk[] {
    return readChunks(this.#sql, record.id, from, to, maxBytes);
  }

  appendEnd(record: StreamRecord, position: number): number | undefined {
    return appendEndAt(this.#sql, record.id, position);
  }

  appendStart(record: StreamRecord, position: number): number | undefined {
    return appendStartAt(this.#sql, record.id, position);
  }

  touch(record: StreamRecord, now: number): void {
    record.lastAccessAt = now;
    if (!this.#accessDue(record)) return;
    this.#persistedAccess.set(record.id, now);
    this.#sql.exec("UPDATE streams SET last_access_at = ? WHERE id = ?", now, record.id);
  }

  /**
   * Whether the last access must be written: only a TTL needs it, and at most
   * once a second per stream (a row write is billed), so an evicted object
   * loses at most a second of its sliding window.
   */
  #accessDue(record: StreamRecord): boolean {
    if (record.ttlSeconds === null) return false;
    const persisted = this.#persistedAccess.get(record.id) ?? record.createdAt;
    return record.lastAccessAt - persisted >= ACCESS_WRITE_INTERVAL_MS;
  }

  softDelete(record: StreamRecord): Promise<void> {
    record.softDeleted = true;
    this.#storage.transactionSync(() => {
      this.#sql.exec("UPDATE streams SET soft_deleted = 1 WHERE id = ?", record.id);
      this.#observer?.changed(record, false);
    });
    return DONE;
  }

  changeForkCount(record: StreamRecord, delta: number): Promise<void> {
    record.forkCount += delta;
    this.#sql.exec("UPDATE streams SET fork_count = ? WHERE id = ?", record.forkCount, record.id);
    return DONE;
  }

  remove(record: StreamRecord): Promise<void> {
    if (!this.#byId.has(record.id)) return DONE;
    this.#storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM chunks WHERE stream_id = ?", record.id);
      this.#sql.exec("DELETE FROM producers WHERE stream_id = ?", record.id);
      this.#sql.exec("DELETE FROM streams WHERE id = ?", record.id);
      if (!record.softDeleted) this.#observer?.changed(record, false);
    });
    // Its cached producer states age out of the cache: ids are not reused.
    this.#byId.delete(record.id);
    this.#persistedAccess.delete(record.id);
    if (this.#byPath.get(record.path) === record) this.#byPath.delete(record.path);
    return DONE;
  }

  /**
   * The streams of this object (one, or a soft-deleted one and none other),
   * so sorting them is the index. Listing all streams of a deployment needs a
   * registry object; see docs/cloudflare.md.
   */
  listFrom(from: string, prefix: string, limit: number): StreamSummary[] {
    return [...this.#byPath.values()]
      .filter((record) => record.path.startsWith(prefix) && comparePaths(record.path, from) >= 0)
      .sort((a, b) => comparePaths(a.path, b.path))
      .slice(0, Math.max(0, limit));
  }

  expiredBefore(now: number, limit: number): StreamRecord[] {
    const due: Array<{ record: StreamRecord; expiry: number }> = [];
    for (const record of this.#byId.values()) {
      const expiry = expiryOf(record);
      if (expiry !== null && expiry <= now && !record.softDeleted) due.push({ record, expiry });
    }
    due.sort((a, b) => a.expiry - b.expiry);
    return due.slice(0, limit).map((entry) => entry.record);
  }

  /** The earliest expiry of a live stream here (for the alarm), or null. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const record of this.#byId.values()) {
      if (record.softDeleted) continue;
      const expiry = expiryOf(record);
      if (expiry !== null && (next === null || expiry < next)) next = expiry;
    }
    return next;
  }

  close(): Promise<void> {
    return DONE;
  }
}

/** A fork origin with the depth this store keeps for it (schema 2), when it has one. */
function withDepth(origin: ForkOrigin | null, depth: number | null): ForkOrigin | null {
  return origin === null || depth === null ? origin : { ...origin, depth };
}
