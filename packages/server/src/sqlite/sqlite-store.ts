/**
 * The durable `StreamStore`: one SQLite file (WAL) holding stream metadata,
 * data chunks (one row per append) and producer state. Each mutation updates
 * the in-memory record at once (so validation sees it) and is written through
 * the group commit; readers see it only once it is durable.
 *
 * Only recently used streams have objects in memory (a bounded cache); a
 * stream with writes in flight is never evicted.
 */

import { closeSync, fdatasync } from "node:fs";
import {
  type AppendWrite,
  closedByOfRow,
  comparePaths,
  expiryOf,
  forkOfRow,
  type LazyBytes,
  type NewStream,
  newStreamRecord,
  ProducerCache,
  type ProducerState,
  type RetentionStore,
  recordOfRow,
  reserveAppend,
  type StoredChunk,
  type StreamRecord,
  type StreamSummary,
  type SubscriptionStore,
} from "@durastream/server-core";
import type Database from "better-sqlite3";
import type { ServerStore } from "../ports/server-store.js";
import { AccessTimes } from "./access-times.js";
import { CheckpointPolicy } from "./checkpoint-policy.js";
import { AppendBatch } from "./commit/append-batch.js";
import { writeAppendBatch } from "./commit/append-rows.js";
import { syncDirectory } from "./commit/durable-files.js";
import { type CommitObserver, GroupCommit, type WalSync } from "./commit/group-commit.js";
import { openDatabaseFile, type SqliteStoreOptions, syncNewWal } from "./database-file.js";
import { RecordCache } from "./record-cache.js";
import { SqliteRetention } from "./retention-trim.js";
import { SqliteListing, summaryOf } from "./sqlite-listing.js";
import { SqliteSubscriptionStore } from "./sqlite-subscription-store.js";
import { StoreHealth } from "./store-health.js";
import { prepareStatements, type StoreStatements, type StreamRow } from "./store-statements.js";
import { TailCache } from "./tail-cache.js";

export { DATABASE_FILE, type SqliteStoreOptions } from "./database-file.js";

const NOTHING_TO_APPLY = (): void => {};

/** The SQLite-backed store. */
export class SqliteStore implements ServerStore {
  readonly db: Database.Database;
  readonly #commit: GroupCommit;
  readonly #dataDir: string;
  #walFd: number;
  readonly #records: RecordCache;
  readonly #producers: ProducerCache;
  readonly #pending = new Map<number, number>();
  readonly #accessTimes: AccessTimes;
  /**
   * Streams removed by a write not yet committed: their rows are still in
   * the database until it is, but the stream is gone, and a lookup that
   * missed the cache must not bring it back from its row.
   */
  readonly #removing = new Set<number>();
  /** Per stream, the appends of the group being collected (joined into one chunk). */
  readonly #openBatches = new Map<number, AppendBatch>();
  readonly #tailCache: TailCache;
  #nextId: number;
  readonly #checkpoints: CheckpointPolicy;
  readonly #health: StoreHealth;
  readonly #onBackgroundError: (error: Error) => void;
  readonly #sql: StoreStatements;
  readonly #retention: SqliteRetention;
  readonly #listing: SqliteListing;

  constructor(options: SqliteStoreOptions) {
    const file = openDatabaseFile(options);
    this.#dataDir = options.dataDir;
    this.db = file.db;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#checkpoints = new CheckpointPolicy(
      this.db,
      file.path,
      {
        checkpointBytes: options.checkpointBytes ?? 64 * 1024 * 1024,
        walLimitBytes: options.walLimitBytes ?? 256 * 1024 * 1024,
      },
      this.#onBackgroundError,
    );
    this.#records = new RecordCache(
      options.cacheSize ?? 10_000,
      (record) => this.#pending.has(record.id) || this.#accessTimes.has(record),
    );
    this.#producers = new ProducerCache(options.producerCacheSize ?? 10_000);
    this.#tailCache = new TailCache({
      perStreamBytes: options.tailCacheStreamBytes ?? 1024 * 1024,
      totalBytes: options.tailCacheBytes ?? 32 * 1024 * 1024,
    });
    this.#walFd = syncNewWal(file.path, options.dataDir);
    const walSync = options.walSync ?? fdatasync;
    const sync: WalSync = (done) => walSync(this.#walFd, done);
    this.#commit = new GroupCommit(
      this.db,
      sync,
      () => this.#checkpoints.afterCommit(),
      (error) => this.#rolledBack(error),
    );
    const db = this.db;
    this.#sql = prepareStatements(db);
    this.#accessTimes = new AccessTimes(this.#commit, this.#sql, this.#onBackgroundError);
    this.#retention = new SqliteRetention(this.#sql, this.#tailCache, (record, apply, onDurable) =>
      this.#write(record, apply, onDurable),
    );
    this.#nextId = (this.#sql.maxId.get()?.id ?? 0) + 1;
    this.#listing = new SqliteListing(db);
    this.#health = new StoreHealth(db, this.#commit);
  }

  /**
   * A group's transaction was rolled back: put every cached record back to
   * its stored row (in place, so live readers holding it stay current), and
   * drop what may hold the group's unstored changes (producer states, open
   * batches, the tail cache). Records created by the group have no row and
   * are forgotten.
   */
  #rolledBack(error: unknown): void {
    this.#onBackgroundError(error as Error);
    this.#openBatches.clear();
    this.#pending.clear();
    this.#accessTimes.clear();
    // The removals rolled back with the group: those streams are stored again.
    this.#removing.clear();
    this.#producers.clear();
    this.#tailCache.clear();
    for (const record of this.#records.records()) {
      const row = this.#sql.byId.get(record.id);
      if (!row) {
        this.#forget(record);
        continue;
      }
      record.tail = row.tail;
      record.closed = row.closed === 1;
      record.closedBy = closedByOfRow(row);
      record.lastStreamSeq = row.last_stream_seq;
      record.lastAccessAt = row.last_access_at;
      record.visibleTail = row.tail;
      record.visibleClosed = row.closed === 1;
      record.forkCount = row.fork_count;
      record.softDeleted = row.soft_deleted === 1;
      record.earliest = row.earliest;
    }
  }

  #fromRow(row: StreamRow): StreamRecord {
    const record = recordOfRow(row, {
      tail: row.tail,
      fork: forkOfRow(row.fork_source, row),
      retention:
        row.retention_max_bytes !== null || row.retention_max_age !== null
          ? { maxBytes: row.retention_max_bytes, maxAgeSeconds: row.retention_max_age }
          : null,
      earliest: row.earliest,
      durable: Promise.resolve(),
    });
    this.#records.remember(record);
    return record;
  }

  #forget(record: StreamRecord): void {
    this.#records.forget(record);
  }

  /** Runs `apply` in the next durable group, pinning the record until then. */
  #write(record: StreamRecord, apply: () => void, onDurable: () => void): Promise<void> {
    this.#pending.set(record.id, (this.#pending.get(record.id) ?? 0) + 1);
    const done = this.#commit.write(apply, () => {
      const left = (this.#pending.get(record.id) ?? 1) - 1;
      if (left === 0) this.#pending.delete(record.id);
      else this.#pending.set(record.id, left);
      onDurable();
    });
    record.durable = done;
    // Whoever issued the write awaits `done`; a later write may replace
    // `record.durable` first, and a refused write must not then count as an
    // unhandled rejection.
    done.catch(NOTHING_TO_APPLY);
    return done;
  }

  get(path: string): StreamRecord | undefined {
    const cached = this.#records.getByPath(path);
    if (cached) return cached;
    const row = this.#sql.byPath.get(path);
    return row && !this.#removing.has(row.id) ? this.#fromRow(row) : undefined;
  }

  getById(id: number): StreamRecord | undefined {
    const cached = this.#records.getById(id);
    if (cached) return cached;
    if (this.#removing.has(id)) return undefined;
    const row = this.#sql.byId.get(id);
    return row ? this.#fromRow(row) : undefined;
  }

  create(init: NewStream): StreamRecord {
    const start = init.fork?.position ?? 0;
    const data = init.initialData;
    const tail = start + (data?.length ?? 0);
    const record = newStreamRecord(this.#nextId++, init, false);
    this.#records.remember(record);
    this.#checkpoints.wrote((data?.length ?? 0) + 256);
    const fork = init.fork;
    void this.#write(
      record,
      () => {
        this.#sql.insertStream.run(
          record.id,
          record.path,
          record.contentType,
          record.createdAt,
          record.ttlSeconds,
          record.expiresAt,
          record.lastAccessAt,
          expiryOf(record),
          tail,
          init.closed ? 1 : 0,
          fork?.sourceId ?? null,
          fork?.position ?? null,
          fork?.requestedOffset ?? null,
          fork?.requestedSubOffset ?? null,
          record.earliest,
          record.retention?.maxBytes ?? null,
          record.retention?.maxAgeSeconds ?? null,
        );
        if (data) this.#sql.insertChunk.run(record.id, tail, start, data, null, init.now);
      },
      () => {
        record.visibleTail = Math.max(record.visibleTail, tail);
        record.visibleClosed = record.visibleClosed || init.closed;
      },
    );
    return record;
  }

  append(record: StreamRecord, write: AppendWrite): Promise<void> {
    const data = write.data;
    const start = reserveAppend(record, write);
    const tail = record.tail;
    this.#accessTimes.delete(record);
    const producer = write.producer;
    if (producer) this.#producers.written(record.id, producer.producerId, producer.state);
    this.#checkpoints.wrote((data?.length ?? 0) + 128);

    const closed = record.closed;
    const onDurable = () => {
      record.visibleTail = Math.max(record.visibleTail, tail);
      record.visibleClosed = record.visibleClosed || closed;
      if (producer) this.#producers.durable(record.id, producer.producerId, producer.state);
    };
    const open = this.#openBatches.get(record.id);
    if (open?.accepts(write)) {
      open.add(write);
      return this.#write(record, NOTHING_TO_APPLY, onDurable);
    }
    const batch = new AppendBatch(record, start);
    batch.add(write);
    this.#openBatches.set(record.id, batch);
    return this.#write(record, () => this.#applyBatch(batch), onDurable);
  }

  /** Writes a batch of appends (runs inside the group's transaction). */
  #applyBatch(batch: AppendBatch): void {
    const id = batch.record.id;
    if (this.#openBatches.get(id) === batch) this.#openBatches.delete(id);
    writeAppendBatch(this.#sql, this.#tailCache, batch);
  }

  getProducer(record: StreamRecord, producerId: string): ProducerState | undefined {
    const cached = this.#producers.get(record.id, producerId);
    if (cached) return cached;
    const row = this.#sql.producer.get(record.id, producerId);
    if (!row) return undefined;
    const state = { epoch: row.epoch, lastSeq: row.last_seq, updatedAt: row.updated_at };
    this.#producers.loaded(record.id, producerId, state);
    return state;
  }

  /** Producer states held in memory (bounded by `producerCacheSize`). */
  get cachedProducers(): number {
    return this.#producers.size;
  }

  expireProducers(before: number, limit: number): Promise<number> {
    let removed = 0;
    return this.#commit
      .write(
        () => {
          removed = this.#sql.expireProducers.run(before, limit).changes;
        },
        () => {},
      )
      .then(() => removed);
  }

  readChunks(record: StreamRecord, from: number, to: number, maxBytes: number): StoredChunk[] {
    const cached = this.#tailCache.read(record.id, from, to, maxBytes);
    if (cached) return cached;
    const out: StoredChunk[] = [];
    let bytes = 0;
    for (const row of this.#sql.chunkSpansFrom.iterate(record.id, from, to)) {
      const length = row.end_pos - row.start_pos;
      out.push({ start: row.start_pos, bytes: this.#storedBytes(record.id, row.end_pos, length) });
      bytes += length;
      if (bytes >= maxBytes) break;
    }
    return out;
  }

  /** The blob of chunk `(id, endPos)`, read from the database when a response writes it. */
  #storedBytes(id: number, endPos: number, length: number): LazyBytes {
    const sql = this.#sql;
    return {
      length,
      load: () => {
        const row = sql.chunkData.get(id, endPos);
        if (!row || row.data.length !== length) {
          throw new Error(`stream ${id}: the chunk ending at ${endPos} is gone (deleted)`);
        }
        return row.data;
      },
    };
  }

  appendEnd(record: StreamRecord, position: number): number | undefined {
    const row = this.#sql.chunkEnds.get(record.id, position);
    if (!row || row.start_pos > position) return undefined;
    const ends = row.ends;
    for (let at = 0; ends && at + 4 <= ends.length; at += 4) {
      const end = row.start_pos + ends.readUInt32LE(at);
      if (end > position) return end;
    }
    return row.end_pos;
  }

  appendStart(record: StreamRecord, position: number): number | undefined {
    // Long-poll and SSE readers resume at the tail they were given: with
    // thousands of them, one query each per append is most of the wake's work.
    if (this.#tailCache.startsChunk(record.id, position)) return position;
    const row = this.#sql.chunkEnds.get(record.id, position);
    if (!row || row.start_pos > position) return undefined;
    // A group-committed chunk holds several appends: `ends` has all but the last one's end.
    let start = row.start_pos;
    const ends = row.ends;
    for (let at = 0; ends && at + 4 <= ends.length; at += 4) {
      const end = row.start_pos + ends.readUInt32LE(at);
      if (end > position) break;
      start = end;
    }
    return start;
  }

  touch(record: StreamRecord, now: number): void {
    this.#accessTimes.touch(record, now);
  }

  changeForkCount(record: StreamRecord, delta: number): Promise<void> {
    record.forkCount += delta;
    const id = record.id;
    return this.#write(
      record,
      () => this.#sql.forkCountDelta.run(delta, id),
      () => {},
    );
  }

  softDelete(record: StreamRecord): Promise<void> {
    record.softDeleted = true;
    return this.#write(
      record,
      () => this.#sql.softDelete.run(record.id),
      () => {},
    );
  }

  remove(record: StreamRecord): Promise<void> {
    this.#forget(record);
    this.#tailCache.drop(record.id);
    this.#accessTimes.delete(record);
    const id = record.id;
    this.#removing.add(id);
    return this.#commit.write(
      () => {
        this.#sql.deleteChunks.run(id);
        this.#sql.deleteProducers.run(id);
        this.#sql.deleteStream.run(id);
      },
      () => this.#removing.delete(id),
    );
  }

  listFrom(from: string, prefix: string, limit: number): StreamSummary[] {
    const out: StreamSummary[] = [];
    if (limit <= 0) return out;
    // Paths with the prefix are contiguous in byte order, starting at the prefix itself.
    const start = comparePaths(from, prefix) < 0 ? prefix : from;
    for (const row of this.#listing.from(start, limit)) {
      if (!row.path.startsWith(prefix)) break;
      // A cached record is ahead of its row (touches, soft deletes not yet written).
      // Rows are not cached: a listing must not push hot streams out of memory.
      out.push(this.#records.peek(row.id) ?? summaryOf(row));
    }
    return out;
  }

  expiredBefore(now: number, limit: number): StreamRecord[] {
    const out: StreamRecord[] = [];
    for (const { id } of this.#sql.expired.all(now, limit)) {
      const record = this.getById(id);
      const expiry = record ? expiryOf(record) : null;
      if (record && expiry !== null && expiry <= now) out.push(record);
    }
    return out;
  }

  get retention(): RetentionStore {
    return this.#retention;
  }

  /**
   * Queues synchronous SQL into the next durable group: what other stores on
   * this database (subscriptions) use, so their writes commit with the
   * stream writes issued in the same turn.
   */
  writeInGroup(apply: () => void): Promise<void> {
    return this.#commit.write(apply);
  }

  /** Subscriptions live in this database, and commit with the stream writes of their turn. */
  defaultSubscriptionStore(): SubscriptionStore {
    return new SqliteSubscriptionStore(this.db, (apply) => this.writeInGroup(apply));
  }

  /**
   * Drops memory that is rebuilt on demand: SQLite's unused page cache and,
   * between checkpoints, the checkpoint worker.
   */
  releaseMemory(): void {
    this.db.pragma("shrink_memory");
    this.#checkpoints.releaseWorker();
  }

  /** Calls `observer` with each durable commit group's size and sync time (metrics). */
  observeCommits(observer: CommitObserver | null): void {
    this.#commit.observer = observer;
  }

  /** Number of streams, soft-deleted ones excluded (metrics). */
  streamCount(): number {
    return this.#health.streamCount();
  }

  /** See `StoreHealth.checkWritable` (readiness probes). */
  checkWritable(): Promise<void> {
    return this.#health.checkWritable();
  }

  async close(): Promise<void> {
    await this.#accessTimes.flush();
    await this.#commit.flush();
    // Every other connection closes first: the writer's close must be the
    // last one, which checkpoints and removes the WAL before the directory sync.
    await this.#checkpoints.close();
    // Closing the last connection checkpoints (synced, at NORMAL) and removes
    // the WAL; syncing the directory makes the removal durable too.
    this.db.close();
    closeSync(this.#walFd);
    this.#checkpoints.dispose();
    syncDirectory(this.#dataDir);
  }
}
