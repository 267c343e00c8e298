/**
 * The storage port: the stream's own store. The engine owns every protocol
 * rule; a store only keeps records and bytes, and makes writes durable in
 * order. It never reaches another stream: fork sources are reached through
 * the fork peer (`fork-peer.ts`), even when they live in the same store.
 *
 * Positions are stream byte positions (see `@durastream/protocol` offsets).
 * Every mutation is synchronous on the store's in-memory view ("reserved"
 * state, used for validation) and returns a promise that settles once it is
 * durable; only then does it become visible to readers (`visibleTail`,
 * `visibleClosed`) and only then may the engine acknowledge it.
 */

import type { BodyPart } from "./body-part.js";
import type { SubscriptionStore } from "./subscription-store.js";

/** The `(producerId, epoch, seq)` tuple of an idempotent producer request. */
export interface ProducerTuple {
  readonly producerId: string;
  readonly epoch: number;
  readonly seq: number;
}

/** Stored state of one idempotent producer on one stream. */
export interface ProducerState {
  readonly epoch: number;
  readonly lastSeq: number;
  /**
   * When its last accepted append was made (ms since epoch), for expiry of
   * idle producers; absent in a store that does not keep it (never expires).
   */
  readonly updatedAt?: number;
}

/** Where a fork branches off its source. */
export interface ForkOrigin {
  /** Internal id of the source stream in the source's own store. */
  readonly sourceId: number;
  /** Stream-root-relative path of the source (where a remote peer finds it). */
  readonly sourcePath: string;
  /** Fork position in the shared offset space: below it data comes from the source. */
  readonly position: number;
  /** The offset token the fork was requested at (for idempotent re-creation). */
  readonly requestedOffset: string;
  /** The requested sub-offset (0 when absent). */
  readonly requestedSubOffset: number;
  /**
   * How many forks deep the stream holding this origin is (1 for a fork of a
   * root stream), for `maxForkDepth` where the chain lives in other objects;
   * absent when not recorded (then counted by walking what this store holds).
   */
  readonly depth?: number;
}

/**
 * A stream's retention settings (`Stream-Retention-*` on create): data older
 * than `maxAgeSeconds`, or beyond the newest `maxBytes`, may be trimmed.
 * Null fields: no limit of that kind (the server default applies).
 */
export interface RetentionPolicy {
  readonly maxBytes: number | null;
  readonly maxAgeSeconds: number | null;
}

/** One stream's metadata as the engine sees it. Mutated only through the store. */
export interface StreamRecord {
  readonly id: number;
  readonly path: string;
  readonly contentType: string;
  readonly createdAt: number;
  /** Sliding time-to-live in seconds, or null. */
  readonly ttlSeconds: number | null;
  /** Absolute expiry (ms since epoch), or null. */
  readonly expiresAt: number | null;
  /** Last read or write (ms since epoch), the base of the TTL window. */
  lastAccessAt: number;
  /** Tail including writes not yet durable: validation uses this. */
  tail: number;
  /** Closed including a close not yet durable. */
  closed: boolean;
  /** The producer request that closed the stream, if one did. */
  closedBy: ProducerTuple | null;
  /** Last accepted `Stream-Seq`. */
  lastStreamSeq: string | null;
  /** Durable tail: readers never see past it. */
  visibleTail: number;
  /** Durable closure: readers see EOF only once the close is durable. */
  visibleClosed: boolean;
  /** Fork origin, or null for a root stream. */
  readonly fork: ForkOrigin | null;
  /** The stream's own retention settings, or null (server defaults apply). */
  readonly retention: RetentionPolicy | null;
  /**
   * Earliest retained position: reads before it answer 410 (Section 5.6).
   * 0 until retention trims the stream; always a data boundary.
   */
  earliest: number;
  /** Number of live forks referencing this stream. */
  forkCount: number;
  /** Deleted by its owner but kept for its forks. */
  softDeleted: boolean;
  /** Settles when every mutation issued so far on this record is durable. */
  durable: Promise<void>;
}

/** What a new stream starts with. */
export interface NewStream {
  readonly path: string;
  readonly contentType: string;
  readonly ttlSeconds: number | null;
  readonly expiresAt: number | null;
  readonly now: number;
  readonly initialData: Uint8Array | null;
  readonly closed: boolean;
  readonly fork: ForkOrigin | null;
  /** Retention settings given on create; absent or null: none. */
  readonly retention?: RetentionPolicy | null;
  /** Earliest readable position (a fork of a trimmed source starts trimmed). Default 0. */
  readonly earliest?: number;
}

/** One append (with its producer and `Stream-Seq` bookkeeping), committed atomically. */
export interface AppendWrite {
  readonly data: Uint8Array | null;
  readonly close: boolean;
  readonly producer: (ProducerTuple & { readonly state: ProducerState }) | null;
  readonly streamSeq: string | null;
  readonly now: number;
}

/** A contiguous run of stored bytes: in memory, or read from storage on demand. */
export interface StoredChunk {
  readonly start: number;
  readonly bytes: BodyPart;
}

/** What a stream listing shows of a stream (a `StreamRecord` is one). */
export interface StreamSummary {
  readonly path: string;
  readonly contentType: string;
  readonly createdAt: number;
  readonly ttlSeconds: number | null;
  readonly expiresAt: number | null;
  readonly lastAccessAt: number;
  readonly visibleTail: number;
  readonly visibleClosed: boolean;
  readonly fork: ForkOrigin | null;
  readonly softDeleted: boolean;
}

/**
 * What a store offers for retention (`StreamStore.retention`). Trimming only
 * ever deletes whole stored chunks of a stream's own data, oldest first.
 */
export interface RetentionStore {
  /**
   * End of the newest stored chunk of the stream's own data written before
   * `writtenBefore` (ms since epoch), or `record.earliest` when none is.
   */
  agedEnd(record: StreamRecord, writtenBefore: number): number;
  /**
   * The lowest position any stream forked from `record` still reads from it
   * (soft-deleted forks included), or null when none does. A fork reads its
   * source from its own earliest offset up to its fork position, so this is
   * the lowest `earliest` among forks whose `earliest` is below their fork
   * position. Trimming a fork is capped the same way by its own forks, so a
   * chain never loses a range a fork further down still reads.
   */
  forkFloor(record: StreamRecord): number | null;
  /**
   * Deletes the stored chunks of the stream's own data that end at or before
   * `before` (at most `record.visibleTail`), moving `record.earliest` to the
   * end of the last one deleted at once; settles once durable.
   */
  trim(record: StreamRecord, before: number): Promise<void>;
}

/** The storage port. */
export interface StreamStore {
  /** The record at `path` (soft-deleted ones included), or undefined. */
  get(path: string): StreamRecord | undefined;
  /** The record of this store with internal id `id`, or undefined. */
  getById(id: number): StreamRecord | undefined;
  /** Creates a stream (a fork's source is not touched: the fork peer holds its reference). */
  create(init: NewStream): StreamRecord;
  /** Appends and/or closes; returns when durable. */
  append(record: StreamRecord, write: AppendWrite): Promise<void>;
  /** Producer state of `producerId` on the stream, or undefined. */
  getProducer(record: StreamRecord, producerId: string): ProducerState | undefined;
  /**
   * Stored chunks overlapping `[from, to)` of the stream's own data, in order,
   * at most about `maxBytes` (at least one chunk when any overlaps). The first
   * and last chunk may extend beyond the range; callers slice.
   */
  readChunks(record: StreamRecord, from: number, to: number, maxBytes: number): StoredChunk[];
  /**
   * Where the append that stored the byte at `position` of the stream's own
   * data ends (a data boundary), or undefined when nothing is stored there.
   * Stores may keep several appends in one chunk; boundaries survive that.
   */
  appendEnd(record: StreamRecord, position: number): number | undefined;
  /**
   * Where the append that stored the byte at `position` of the stream's own
   * data starts (a data boundary), or undefined when nothing is stored there.
   */
  appendStart(record: StreamRecord, position: number): number | undefined;
  /** Records a read or write for the TTL window (persisted lazily). */
  touch(record: StreamRecord, now: number): void;
  /** Marks a stream soft-deleted (it keeps its data for forks). */
  softDelete(record: StreamRecord): Promise<void>;
  /**
   * Adds `delta` (+1 or -1) to the number of forks referencing the stream:
   * `forkCount` at once, durably by the time the promise settles.
   */
  changeForkCount(record: StreamRecord, delta: number): Promise<void>;
  /** Removes a stream and its data for good (not its fork source's reference). Returns when durable. */
  remove(record: StreamRecord): Promise<void>;
  /**
   * Up to `limit` streams whose path starts with `prefix` and sorts at or
   * after `from`, in byte order of their UTF-8 paths (soft-deleted and expired
   * ones included: the engine filters). Served from an index on path, so the
   * cost does not depend on how many streams exist.
   */
  listFrom(from: string, prefix: string, limit: number): StreamSummary[];
  /**
   * Deletes up to `limit` producer states whose last accepted append was
   * before `before` (ms since epoch); settles with how many, once durable.
   * Absent when the store keeps producer states only as long as its streams.
   */
  expireProducers?(before: number, limit: number): Promise<number>;
  /** Records whose expiry is at or before `now`, oldest first, at most `limit`. */
  expiredBefore(now: number, limit: number): StreamRecord[];
  /** Flushes and releases resources. */
  close(): Promise<void>;
  /** Retention support; absent when the store cannot trim (retention settings are refused). */
  readonly retention?: RetentionStore;
  /**
   * The subscription store that goes with this store when the engine is
   * given none (an in-memory store keeps subscriptions in memory too).
   * Absent: subscriptions are off unless a subscription store is configured.
   */
  defaultSubscriptionStore?(): SubscriptionStore;
}
