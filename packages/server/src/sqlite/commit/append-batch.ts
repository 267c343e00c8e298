/**
 * Appends to one stream that land in the same group commit, written as one
 * chunk row and one metadata update. Chunk rows are only byte ranges of the
 * stream (readers slice them by position), so joining consecutive appends
 * changes nothing a reader can see and saves an insert and an update per
 * append on a hot stream.
 */

import type {
  AppendWrite,
  ProducerState,
  ProducerTuple,
  StreamRecord,
} from "@durastream/server-core";

/** The largest chunk a batch grows to; a bigger append starts a new batch. */
export const MAX_BATCH_BYTES = 1024 * 1024;

/** The stream state after the batch's last append, as stored. */
export interface BatchState {
  tail: number;
  closed: boolean;
  closedBy: ProducerTuple | null;
  lastStreamSeq: string | null;
  lastAccessAt: number;
}

/** Consecutive appends to one stream, committed together. */
export class AppendBatch {
  readonly #parts: Uint8Array[] = [];
  #bytes = 0;
  /** End of each append with data, relative to `start`. */
  readonly #ends: number[] = [];
  /** Latest state per producer that appended in this batch. */
  readonly producers = new Map<string, ProducerState>();
  readonly state: BatchState;

  /** `start` is the stream position where the batch's bytes begin. */
  constructor(
    readonly record: StreamRecord,
    readonly start: number,
  ) {
    this.state = {
      tail: start,
      closed: record.closed,
      closedBy: record.closedBy,
      lastStreamSeq: record.lastStreamSeq,
      lastAccessAt: record.lastAccessAt,
    };
  }

  /** Whether `write` may join (the chunk stays under the size cap). */
  accepts(write: AppendWrite): boolean {
    return this.#bytes + (write.data?.length ?? 0) <= MAX_BATCH_BYTES;
  }

  /** Adds an append already applied to `record` (its reserved state). */
  add(write: AppendWrite): void {
    if (write.data) {
      this.#parts.push(write.data);
      this.#bytes += write.data.length;
      this.#ends.push(this.#bytes);
    }
    if (write.producer) this.producers.set(write.producer.producerId, write.producer.state);
    const record = this.record;
    this.state.tail = record.tail;
    this.state.closed = record.closed;
    this.state.closedBy = record.closedBy;
    this.state.lastStreamSeq = record.lastStreamSeq;
    this.state.lastAccessAt = record.lastAccessAt;
  }

  /**
   * The append boundaries inside the chunk (relative ends, the last one
   * excluded: it is the chunk's end) as little-endian uint32s, or null when
   * the chunk holds one append.
   */
  ends(): Uint8Array | null {
    if (this.#ends.length < 2) return null;
    const out = new Uint8Array((this.#ends.length - 1) * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < this.#ends.length - 1; i++) view.setUint32(i * 4, this.#ends[i]!, true);
    return out;
  }

  /** The batch's bytes as one chunk, or null when it only closes. */
  data(): Uint8Array | null {
    if (this.#parts.length === 0) return null;
    if (this.#parts.length === 1) return this.#parts[0]!;
    return Buffer.concat(this.#parts, this.#bytes);
  }
}
