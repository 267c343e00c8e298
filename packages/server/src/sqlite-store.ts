/**
 * The durable `StreamStore`: one SQLite file (WAL) holding stream metadata,
 * data chunks (one row per append) and producer state. Each mutation updates
 * the in-memory record at once (so validation sees it) and is written through
 * the group commit; readers see it only once it is durable.
 *
 * Only recently used streams have objects in memory (a bounded cache); a
 * stream with writes in flight is never evicted.
 */

import { closeSync, fdatasync, openSync } from "node:fs";
import { join } from "node:path";
import {
  type AppendWrite,
  comparePaths,
  expiryOf,
  type LazyBytes,
  type NewStream,
  newStreamRecord,
  type ProducerState,
  type RetentionStore,
  reserveAppend,
  type StoredChunk,
  type StreamRecord,
  type StreamStore,
  type StreamSummary,
} from "@durastream/server-core";
import Database from "better-sqlite3";
import { AppendBatch } from "./append-batch.js";
import { Checkpointer, type CheckpointResult } from "./checkpointer.js";
import { makeDurableDirectory, syncDirectory, syncFile } from "./durable-files.js";
import { type CommitObserver, GroupCommit, type WalSync } from "./group-commit.js";
import { ProducerCache } from "./producer-cache.js";
import { forkOfRow, SqliteListing, summaryOf } from "./sqlite-listing.js";
import { ensureSchema } from "./sqlite-schema.js";
import { TailCache } from "./tail-cache.js";
import { WalFrameCounter } from "./wal-frames.js";

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** Directory of the database file (created if missing). */
  readonly dataDir: string;
  /** Records kept in memory at most. Default 10,000. */
  readonly cacheSize?: number;
  /**
   * Idempotent-producer states kept in memory at most (least recently used
   * go; a miss reads the table). Default 10,000.
   */
  readonly producerCacheSize?: number;
  /**
   * WAL bytes written since the last checkpoint that trigger a background one
   * (frames counted from the wal-index; payload bytes when it cannot be read).
   * Default 64 MiB.
   */
  readonly checkpointBytes?: number;
  /**
   * WAL size at which the writer stops and checkpoints in the foreground,
   * for when background checkpoints cannot catch up. Default 256 MiB.
   */
  readonly walLimitBytes?: number;
  /** Bytes of the database file read through mmap. Default 1 GiB; 0 turns it off. */
  readonly mmapBytes?: number;
  /**
   * Called with storage errors worth a log line: background work no request
   * sees (checkpoints, TTL refreshes) and groups of writes the disk refused.
   */
  readonly onBackgroundError?: (error: Error) => void;
  /** Recently committed bytes kept in memory per stream for live readers. Default 1 MiB. */
  readonly tailCacheStreamBytes?: number;
  /** Recently committed bytes kept in memory across streams. Default 32 MiB. */
  readonly tailCacheBytes?: number;
  /**
   * How a group's WAL is made durable, given a descriptor of the `-wal` file.
   * Default `fs.fdatasync`. Only fault-injection tests replace it: a group is
   * acknowledged when this calls back without an error, never before.
   */
  readonly walSync?: (walFd: number, done: (error: Error | null) => void) => void;
}

interface StreamRow {
  id: number;
  path: string;
  content_type: string;
  created_at: number;
  ttl_seconds: number | null;
  expires_at: number | null;
  last_access_at: number;
  tail: number;
  closed: number;
  closed_by_producer: string | null;
  closed_by_epoch: number | null;
  closed_by_seq: number | null;
  last_stream_seq: string | null;
  fork_source: number | null;
  fork_source_path: string | null;
  fork_position: number | null;
  fork_offset: string | null;
  fork_sub_offset: number | null;
  fork_count: number;
  soft_deleted: number;
  earliest: number;
  retention_max_bytes: number | null;
  retention_max_age: number | null;
}

/** Database file name inside the data directory. */
export const DATABASE_FILE = "durastream.db";

const TOUCH_FLUSH_MS = 1000;

/** Chunk rows an age check reads at most per stream and trim pass. */
const AGED_SCAN_ROWS = 10_000;

const NOTHING_TO_APPLY = (): void => {};

/** A stream row with its fork source's path (soft-deleted sources keep their row). */
const SELECT_STREAM = `SELECT s.*, src.path AS fork_source_path FROM streams s
  LEFT JOIN streams src ON src.id = s.fork_source`;

/** The SQLite-backed store. */
export class SqliteStore implements StreamStore, RetentionStore {
  readonly db: Database.Database;
  #countStatement: Database.Statement | undefined;
  #probe: (() => void) | undefined;
  readonly #commit: GroupCommit;
  readonly #dataDir: string;
  #walFd: number;
  readonly #byPath = new Map<string, StreamRecord>();
  readonly #byId = new Map<number, StreamRecord>();
  readonly #producers: ProducerCache;
  readonly #pending = new Map<number, number>();
  readonly #touched = new Set<StreamRecord>();
  /**
   * Streams removed by a write not yet committed: their rows are still in
   * the database until it is, but the stream is gone, and a lookup that
   * missed the cache must not bring it back from its row.
   */
  readonly #removing = new Set<number>();
  /** Per stream, the appends of the group being collected (joined into one chunk). */
  readonly #openBatches = new Map<number, AppendBatch>();
  readonly #tailCache: TailCache;
  #touchTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId: number;
  readonly #cacheSize: number;
  /** The record last moved to the end of `#byId` (the LRU order). */
  #newest: StreamRecord | undefined;
  readonly #checkpointBytes: number;
  /** Payload written since the last checkpoint request (a floor when frames cannot be counted). */
  #walBytesSinceCheckpoint = 0;
  /** WAL frames written since the last checkpoint request, in bytes. */
  #walFrameBytesSinceCheckpoint = 0;
  readonly #walFrames: WalFrameCounter;
  readonly #file: string;
  readonly #pageSize: number;
  readonly #walLimitBytes: number;
  readonly #onBackgroundError: (error: Error) => void;
  #checkpointer: Checkpointer | undefined;
  /** Workers released while idle, until their connections are closed. */
  #retiredCheckpointers = new Set<Promise<void>>();
  readonly #sql;
  readonly #listing: SqliteListing;

  constructor(options: SqliteStoreOptions) {
    // The durability argument is in docs/durability.md; in short: a commit is
    // made durable by the group commit's fdatasync of the WAL, SQLite syncs
    // what must reach the disk before the WAL can be reused, and directory
    // entries are synced where files appear or go.
    makeDurableDirectory(options.dataDir);
    this.#dataDir = options.dataDir;
    const file = join(options.dataDir, DATABASE_FILE);
    this.db = new Database(file);
    // NORMAL in WAL mode syncs no commit (the group commit does, off the event
    // loop) but syncs the WAL before a checkpoint copies it, the database file
    // before the copied frames may be overwritten, and the WAL header when the
    // log restarts from its beginning: without that last sync a power cut
    // could leave the old header over a mix of old and new frames, and
    // recovery would replay a stale prefix of already-checkpointed frames.
    // Set before journal_mode so a new file's switch to WAL is synced as well.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("wal_autocheckpoint = 0");
    this.db.pragma("cache_size = -16384");
    // Catch-up reads copy blobs straight out of the mapped file instead of
    // walking overflow pages through the page cache.
    this.db.pragma(`mmap_size = ${options.mmapBytes ?? 1024 * 1024 * 1024}`);
    // A WAL that grew under load is cut back when SQLite restarts it.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    ensureSchema(this.db);
    this.#file = file;
    this.#pageSize = this.db.pragma("page_size", { simple: true }) as number;
    this.#walLimitBytes = options.walLimitBytes ?? 256 * 1024 * 1024;
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
    this.#walFrames = new WalFrameCounter(`${file}-shm`);
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#producers = new ProducerCache(options.producerCacheSize ?? 10_000);
    this.#checkpointBytes = options.checkpointBytes ?? 64 * 1024 * 1024;
    this.#tailCache = new TailCache({
      perStreamBytes: options.tailCacheStreamBytes ?? 1024 * 1024,
      totalBytes: options.tailCacheBytes ?? 32 * 1024 * 1024,
    });
    // The WAL exists once the connection has read in WAL mode; schema work
    // (creation, upgrades) committed to it unsynced, so sync it now, then the
    // directory holding the database and WAL entries: from here on the state
    // on disk is the state served.
    const walPath = `${file}-wal`;
    this.#walFd = openSync(walPath, "r");
    syncFile(walPath);
    syncDirectory(options.dataDir);
    const walSync = options.walSync ?? fdatasync;
    const sync: WalSync = (done) => walSync(this.#walFd, done);
    this.#commit = new GroupCommit(
      this.db,
      sync,
      () => this.#maybeCheckpoint(),
      (error) => this.#rolledBack(error),
    );
    const db = this.db;
    this.#sql = {
      byPath: db.prepare<[string], StreamRow>(`${SELECT_STREAM} WHERE s.path = ?`),
      byId: db.prepare<[number], StreamRow>(`${SELECT_STREAM} WHERE s.id = ?`),
      insertStream: db.prepare(
        `INSERT INTO streams (id, path, content_type, created_at, ttl_seconds, expires_at,
          last_access_at, expiry_due, tail, closed, fork_source, fork_position, fork_offset,
          fork_sub_offset, earliest, retention_max_bytes, retention_max_age) VALUES (@id, @path,
          @contentType, @createdAt, @ttlSeconds, @expiresAt, @lastAccessAt, @expiryDue, @tail,
          @closed, @forkSource, @forkPosition, @forkOffset, @forkSubOffset, @earliest,
          @retentionMaxBytes, @retentionMaxAge)`,
      ),
      insertChunk: db.prepare(
        `INSERT INTO chunks (stream_id, end_pos, start_pos, data, ends, written_at)
          VALUES (?, ?, ?, ?, ?, ?)`,
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
      producer: db.prepare<
        [number, string],
        { epoch: number; last_seq: number; updated_at: number }
      >(
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
    this.#nextId = (this.#sql.maxId.get()?.id ?? 0) + 1;
    this.#listing = new SqliteListing(db);
  }

  #maybeCheckpoint(): void {
    this.#walFrameBytesSinceCheckpoint += this.#walFrames.framesWritten() * (this.#pageSize + 24);
    const written = Math.max(this.#walBytesSinceCheckpoint, this.#walFrameBytesSinceCheckpoint);
    if (written < this.#checkpointBytes) return;
    this.#walBytesSinceCheckpoint = 0;
    this.#walFrameBytesSinceCheckpoint = 0;
    this.#checkpointer ??= new Checkpointer(
      this.#file,
      (result) => this.#afterCheckpoint(result),
      this.#onBackgroundError,
    );
    this.#checkpointer.request();
  }

  /** Background checkpoints that never catch up under load must not let the WAL grow forever. */
  #afterCheckpoint({ log }: CheckpointResult): void {
    if (log * (this.#pageSize + 24) < this.#walLimitBytes) return;
    try {
      this.#checkpointNow("RESTART");
    } catch (error) {
      // A full disk cannot take the pages; the WAL keeps them (synced) and
      // the next checkpoint tries again.
      this.#onBackgroundError(error as Error);
    }
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
    this.#touched.clear();
    // The removals rolled back with the group: those streams are stored again.
    this.#removing.clear();
    this.#producers.clear();
    this.#tailCache.clear();
    for (const record of [...this.#byId.values()]) {
      const row = this.#sql.byId.get(record.id);
      if (!row) {
        this.#forget(record);
        continue;
      }
      record.tail = row.tail;
      record.closed = row.closed === 1;
      record.closedBy =
        row.closed_by_producer !== null
          ? {
              producerId: row.closed_by_producer,
              epoch: row.closed_by_epoch ?? 0,
              seq: row.closed_by_seq ?? 0,
            }
          : null;
      record.lastStreamSeq = row.last_stream_seq;
      record.lastAccessAt = row.last_access_at;
      record.visibleTail = row.tail;
      record.visibleClosed = row.closed === 1;
      record.forkCount = row.fork_count;
      record.softDeleted = row.soft_deleted === 1;
      record.earliest = row.earliest;
    }
  }

  /**
   * A foreground checkpoint. At `synchronous=NORMAL` SQLite syncs the WAL
   * before copying and the database file before the WAL can be reused.
   */
  #checkpointNow(mode: "RESTART" | "TRUNCATE"): void {
    this.db.pragma(`wal_checkpoint(${mode})`);
  }

  #fromRow(row: StreamRow): StreamRecord {
    const record: StreamRecord = {
      id: row.id,
      path: row.path,
      contentType: row.content_type,
      createdAt: row.created_at,
      ttlSeconds: row.ttl_seconds,
      expiresAt: row.expires_at,
      lastAccessAt: row.last_access_at,
      tail: row.tail,
      closed: row.closed === 1,
      closedBy:
        row.closed_by_producer !== null
          ? {
              producerId: row.closed_by_producer,
              epoch: row.closed_by_epoch ?? 0,
              seq: row.closed_by_seq ?? 0,
            }
          : null,
      lastStreamSeq: row.last_stream_seq,
      visibleTail: row.tail,
      visibleClosed: row.closed === 1,
      fork: forkOfRow(row),
      forkCount: row.fork_count,
      softDeleted: row.soft_deleted === 1,
      retention:
        row.retention_max_bytes !== null || row.retention_max_age !== null
          ? { maxBytes: row.retention_max_bytes, maxAgeSeconds: row.retention_max_age }
          : null,
      earliest: row.earliest,
      durable: Promise.resolve(),
    };
    this.#remember(record);
    return record;
  }

  #remember(record: StreamRecord): void {
    this.#byPath.set(record.path, record);
    this.#byId.set(record.id, record);
    this.#newest = record;
    // Evict in batches: dropping one record per new one walks the Map's
    // deleted slots from its start every time.
    if (this.#byId.size > this.#cacheSize + (this.#cacheSize >> 3)) this.#evict();
  }

  /** Drops least recently used records that have no write in flight, down to the cache size. */
  #evict(): void {
    const excess = this.#byId.size - this.#cacheSize;
    let dropped = 0;
    for (const record of this.#byId.values()) {
      if (dropped >= excess) break;
      if (this.#pending.has(record.id) || this.#touched.has(record)) continue;
      this.#forget(record);
      dropped++;
    }
  }

  #forget(record: StreamRecord): void {
    if (this.#newest === record) this.#newest = undefined;
    this.#byId.delete(record.id);
    if (this.#byPath.get(record.path) === record) this.#byPath.delete(record.path);
  }

  /** Marks a record recently used (Map order is the LRU order). */
  #use(record: StreamRecord): StreamRecord {
    // Moving the newest record again would only churn the Map's table.
    if (record === this.#newest) return record;
    this.#byId.delete(record.id);
    this.#byId.set(record.id, record);
    this.#newest = record;
    return record;
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
    const cached = this.#byPath.get(path);
    if (cached) return this.#use(cached);
    const row = this.#sql.byPath.get(path);
    return row && !this.#removing.has(row.id) ? this.#fromRow(row) : undefined;
  }

  getById(id: number): StreamRecord | undefined {
    const cached = this.#byId.get(id);
    if (cached) return this.#use(cached);
    if (this.#removing.has(id)) return undefined;
    const row = this.#sql.byId.get(id);
    return row ? this.#fromRow(row) : undefined;
  }

  create(init: NewStream): StreamRecord {
    const start = init.fork?.position ?? 0;
    const data = init.initialData;
    const tail = start + (data?.length ?? 0);
    const record = newStreamRecord(this.#nextId++, init, false);
    this.#remember(record);
    this.#walBytesSinceCheckpoint += (data?.length ?? 0) + 256;
    const fork = init.fork;
    void this.#write(
      record,
      () => {
        this.#sql.insertStream.run({
          id: record.id,
          path: record.path,
          contentType: record.contentType,
          createdAt: record.createdAt,
          ttlSeconds: record.ttlSeconds,
          expiresAt: record.expiresAt,
          lastAccessAt: record.lastAccessAt,
          expiryDue: expiryOf(record),
          tail,
          closed: init.closed ? 1 : 0,
          forkSource: fork?.sourceId ?? null,
          forkPosition: fork?.position ?? null,
          forkOffset: fork?.requestedOffset ?? null,
          forkSubOffset: fork?.requestedSubOffset ?? null,
          earliest: record.earliest,
          retentionMaxBytes: record.retention?.maxBytes ?? null,
          retentionMaxAge: record.retention?.maxAgeSeconds ?? null,
        });
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
    this.#touched.delete(record);
    const producer = write.producer;
    if (producer) this.#producers.written(record.id, producer.producerId, producer.state);
    this.#walBytesSinceCheckpoint += (data?.length ?? 0) + 128;

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
    const data = batch.data();
    const state = batch.state;
    if (data) {
      this.#sql.insertChunk.run(
        id,
        state.tail,
        batch.start,
        data,
        batch.ends(),
        state.lastAccessAt,
      );
      this.#tailCache.add(id, batch.start, data);
    }
    this.#sql.updateAfterAppend.run({
      id,
      tail: state.tail,
      closed: state.closed ? 1 : 0,
      closedByProducer: state.closedBy?.producerId ?? null,
      closedByEpoch: state.closedBy?.epoch ?? null,
      closedBySeq: state.closedBy?.seq ?? null,
      lastStreamSeq: state.lastStreamSeq,
      lastAccessAt: state.lastAccessAt,
      expiryDue: expiryOf({
        ttlSeconds: batch.record.ttlSeconds,
        expiresAt: batch.record.expiresAt,
        lastAccessAt: state.lastAccessAt,
      }),
    });
    for (const [producerId, producer] of batch.producers) {
      this.#sql.upsertProducer.run(
        id,
        producerId,
        producer.epoch,
        producer.lastSeq,
        producer.updatedAt ?? state.lastAccessAt,
      );
    }
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
    record.lastAccessAt = now;
    if (record.ttlSeconds === null) return;
    this.#touched.add(record);
    this.#touchTimer ??= setTimeout(() => this.#flushTouches(), TOUCH_FLUSH_MS);
  }

  /** Persists TTL refreshes in one group (a crash loses at most a second of them). */
  #flushTouches(): Promise<void> {
    this.#touchTimer = undefined;
    const touched = [...this.#touched];
    this.#touched.clear();
    if (touched.length === 0) return Promise.resolve();
    return this.#commit
      .write(() => {
        for (const record of touched) {
          this.#sql.touch.run(record.lastAccessAt, expiryOf(record), record.id);
        }
      })
      .catch((error: unknown) => {
        // Only TTL refreshes were lost: at worst a stream expires a little early.
        this.#onBackgroundError(error as Error);
      });
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
    this.#touched.delete(record);
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
      out.push(this.#byId.get(row.id) ?? summaryOf(row));
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
    return this;
  }

  agedEnd(record: StreamRecord, writtenBefore: number): number {
    // Write times rise with positions, so the aged chunks are a prefix: walk
    // it and stop at the first young chunk, at most AGED_SCAN_ROWS rows a
    // call (the next pass goes on from there), so the cost is bounded by what
    // is about to be trimmed, not by what the stream retains.
    let end = record.earliest;
    let rows = 0;
    for (const row of this.#sql.chunkTimesFrom.iterate(record.id, record.earliest)) {
      if (
        (row.written_at !== null && row.written_at >= writtenBefore) ||
        rows++ >= AGED_SCAN_ROWS
      ) {
        break;
      }
      end = row.end_pos;
    }
    return end;
  }

  forkFloor(record: StreamRecord): number | null {
    return this.#sql.forkFloor.get(record.id)?.floor ?? null;
  }

  /**
   * A trim is an ordinary group-committed write (docs/durability.md): the
   * chunk rows and the new earliest offset go in one transaction. Freed pages
   * join SQLite's freelist and later appends reuse them, so the file stops
   * growing once a stream's retained size is reached.
   */
  trim(record: StreamRecord, before: number): Promise<void> {
    const limit = Math.min(before, record.visibleTail);
    // Chunks up to the visible tail are committed, so the rows answer exactly.
    const end = this.#sql.trimmedEnd.get(record.id, record.earliest, limit)?.end ?? null;
    if (end === null) return Promise.resolve();
    // Readers move on at once (410 below); the rows go in the next group.
    record.earliest = end;
    this.#tailCache.dropBefore(record.id, end);
    const id = record.id;
    return this.#write(
      record,
      () => {
        this.#sql.trimChunks.run(id, end);
        this.#sql.setEarliest.run(end, id);
      },
      NOTHING_TO_APPLY,
    );
  }

  /**
   * Queues synchronous SQL into the next durable group: what other stores on
   * this database (subscriptions) use, so their writes commit with the
   * stream writes issued in the same turn.
   */
  writeInGroup(apply: () => void): Promise<void> {
    return this.#commit.write(apply);
  }

  /**
   * Drops memory that is rebuilt on demand: SQLite's unused page cache and,
   * between checkpoints, the checkpoint worker.
   */
  releaseMemory(): void {
    this.db.pragma("shrink_memory");
    const checkpointer = this.#checkpointer;
    if (checkpointer && !checkpointer.busy) {
      this.#checkpointer = undefined;
      const closed = checkpointer.close();
      this.#retiredCheckpointers.add(closed);
      void closed.then(() => this.#retiredCheckpointers.delete(closed));
    }
  }

  /** Calls `observer` with each durable commit group's size and sync time (metrics). */
  observeCommits(observer: CommitObserver | null): void {
    this.#commit.observer = observer;
  }

  /** Number of streams, soft-deleted ones excluded (metrics). */
  streamCount(): number {
    this.#countStatement ??= this.db
      .prepare("SELECT count(*) FROM streams WHERE soft_deleted = 0")
      .pluck();
    return this.#countStatement.get() as number;
  }

  /**
   * Resolves when the store can take a write: the group commit has not
   * failed for good, and a probe transaction of its own (a page-sized row
   * added and removed again, so the database would have to find room for
   * it, as an append would) commits. Rejects with why not. Readiness probes
   * call it; it never joins a group, so a failing probe fails no append.
   */
  async checkWritable(): Promise<void> {
    if (this.#commit.failed) {
      throw new Error("a disk sync failed: writes are refused until restart");
    }
    if (this.#probe === undefined) {
      const insert = this.db.prepare(
        "INSERT INTO producers (stream_id, producer_id, epoch, last_seq) VALUES (-1, ?, 0, 0)",
      );
      const remove = this.db.prepare("DELETE FROM producers WHERE stream_id = -1");
      const filler = "x".repeat(this.#pageSize);
      this.#probe = this.db.transaction(() => {
        insert.run(filler);
        remove.run();
      });
    }
    this.#probe();
  }

  async close(): Promise<void> {
    clearTimeout(this.#touchTimer);
    await this.#flushTouches();
    await this.#commit.flush();
    // Every other connection closes first: the writer's close must be the
    // last one, which checkpoints and removes the WAL before the directory sync.
    await this.#checkpointer?.close();
    await Promise.all(this.#retiredCheckpointers);
    try {
      this.#checkpointNow("TRUNCATE");
    } catch (error) {
      // A full disk cannot take the pages: the WAL keeps them, synced, and
      // the next start reads them from there.
      this.#onBackgroundError(error as Error);
    }
    // Closing the last connection checkpoints (synced, at NORMAL) and removes
    // the WAL; syncing the directory makes the removal durable too.
    this.db.close();
    closeSync(this.#walFd);
    this.#walFrames.close();
    syncDirectory(this.#dataDir);
  }
}
