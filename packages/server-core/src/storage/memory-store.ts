/**
 * An in-memory `StreamStore`: the ephemeral mode (`--memory`) and the model
 * the durable stores must behave like. Writes are visible at once.
 */

import type {
  AppendWrite,
  NewStream,
  ProducerState,
  RetentionStore,
  StoredChunk,
  StreamRecord,
  StreamStore,
  StreamSummary,
} from "../ports/store.js";
import type { SubscriptionStore } from "../ports/subscription-store.js";
import { expiryOf } from "./expiry.js";
import { MemorySubscriptionStore } from "./memory-subscription-store.js";
import { newStreamRecord } from "./new-record.js";
import { comparePaths, SortedPaths } from "./path-order.js";
import { reserveAppend } from "./reserve-append.js";

interface MemoryStream {
  readonly record: StreamRecord;
  /** Own data, oldest first (trimming drops from the front). */
  chunks: StoredChunk[];
  /** When each chunk of `chunks` was written (ms since epoch), same order. */
  writtenAt: number[];
  readonly producers: Map<string, ProducerState>;
}

const DONE = Promise.resolve();

/** Keeps everything in process memory. */
export class MemoryStore implements StreamStore, RetentionStore {
  readonly #byPath = new Map<string, MemoryStream>();
  readonly #byId = new Map<number, MemoryStream>();
  /** Paths of `#byPath` in byte order, for listings. */
  readonly #paths = new SortedPaths();
  #nextId = 1;

  get(path: string): StreamRecord | undefined {
    return this.#byPath.get(path)?.record;
  }

  getById(id: number): StreamRecord | undefined {
    return this.#byId.get(id)?.record;
  }

  create(init: NewStream): StreamRecord {
    const record = newStreamRecord(this.#nextId++, init, true);
    const start = init.fork?.position ?? 0;
    const stream: MemoryStream = {
      record,
      chunks: init.initialData ? [{ start, bytes: init.initialData }] : [],
      writtenAt: init.initialData ? [init.now] : [],
      producers: new Map(),
    };
    this.#byPath.set(init.path, stream);
    this.#paths.add(init.path);
    this.#byId.set(record.id, stream);
    return record;
  }

  append(record: StreamRecord, write: AppendWrite): Promise<void> {
    const stream = this.#byId.get(record.id);
    if (!stream) return DONE;
    const start = reserveAppend(record, write);
    if (write.data) {
      stream.chunks.push({ start, bytes: write.data });
      stream.writtenAt.push(write.now);
    }
    if (write.producer) {
      stream.producers.set(write.producer.producerId, write.producer.state);
    }
    record.visibleTail = record.tail;
    record.visibleClosed = record.closed;
    return DONE;
  }

  getProducer(record: StreamRecord, producerId: string): ProducerState | undefined {
    return this.#byId.get(record.id)?.producers.get(producerId);
  }

  readChunks(record: StreamRecord, from: number, to: number, maxBytes: number): StoredChunk[] {
    const chunks = this.#byId.get(record.id)?.chunks ?? [];
    // First chunk whose end is past `from`.
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = chunks[mid]!;
      if (chunk.start + chunk.bytes.length <= from) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredChunk[] = [];
    let bytes = 0;
    for (let i = lo; i < chunks.length && bytes < maxBytes; i++) {
      const chunk = chunks[i]!;
      if (chunk.start >= to) break;
      out.push(chunk);
      bytes += chunk.bytes.length;
    }
    return out;
  }

  appendEnd(record: StreamRecord, position: number): number | undefined {
    // One chunk per append here.
    const chunk = this.readChunks(record, position, position + 1, 1)[0];
    return chunk ? chunk.start + chunk.bytes.length : undefined;
  }

  appendStart(record: StreamRecord, position: number): number | undefined {
    return this.readChunks(record, position, position + 1, 1)[0]?.start;
  }

  touch(record: StreamRecord, now: number): void {
    record.lastAccessAt = now;
  }

  changeForkCount(record: StreamRecord, delta: number): Promise<void> {
    record.forkCount += delta;
    return DONE;
  }

  softDelete(record: StreamRecord): Promise<void> {
    record.softDeleted = true;
    return DONE;
  }

  remove(record: StreamRecord): Promise<void> {
    const stream = this.#byId.get(record.id);
    if (!stream) return DONE;
    this.#byId.delete(record.id);
    if (this.#byPath.get(record.path) === stream) {
      this.#byPath.delete(record.path);
      this.#paths.delete(record.path);
    }
    return DONE;
  }

  listFrom(from: string, prefix: string, limit: number): StreamSummary[] {
    const out: StreamSummary[] = [];
    if (limit <= 0) return out;
    // Paths with the prefix are contiguous in byte order, starting at the prefix itself.
    const start = comparePaths(from, prefix) < 0 ? prefix : from;
    for (const path of this.#paths.from(start)) {
      if (!path.startsWith(prefix)) break;
      out.push(this.#byPath.get(path)!.record);
      if (out.length >= limit) break;
    }
    return out;
  }

  expireProducers(before: number, limit: number): Promise<number> {
    // A full scan, as `expiredBefore`: without it a writer inventing Producer-Ids would grow
    // the heap for as long as the stream lives, even with retention bounding its data.
    let removed = 0;
    for (const { producers } of this.#byId.values()) {
      for (const [producerId, state] of producers) {
        if (removed >= limit) return Promise.resolve(removed);
        if (state.updatedAt !== undefined && state.updatedAt < before) {
          producers.delete(producerId);
          removed++;
        }
      }
    }
    return Promise.resolve(removed);
  }

  expiredBefore(now: number, limit: number): StreamRecord[] {
    // A full scan: the memory store is for tests and ephemeral servers.
    const expired: Array<{ record: StreamRecord; expiry: number }> = [];
    for (const { record } of this.#byId.values()) {
      const expiry = expiryOf(record);
      if (expiry !== null && expiry <= now && !record.softDeleted) expired.push({ record, expiry });
    }
    expired.sort((a, b) => a.expiry - b.expiry);
    return expired.slice(0, limit).map(({ record }) => record);
  }

  get retention(): RetentionStore | undefined {
    return this;
  }

  /** Subscriptions of an in-memory server live in memory too. */
  defaultSubscriptionStore(): SubscriptionStore {
    return new MemorySubscriptionStore();
  }

  agedEnd(record: StreamRecord, writtenBefore: number): number {
    const stream = this.#byId.get(record.id);
    let end = record.earliest;
    if (!stream) return end;
    for (let i = 0; i < stream.chunks.length && stream.writtenAt[i]! < writtenBefore; i++) {
      const chunk = stream.chunks[i]!;
      end = chunk.start + chunk.bytes.length;
    }
    return end;
  }

  forkFloor(record: StreamRecord): number | null {
    // A full scan: the memory store is for tests and ephemeral servers.
    let floor: number | null = null;
    for (const { record: other } of this.#byId.values()) {
      const fork = other.fork;
      if (fork?.sourceId !== record.id || other.earliest >= fork.position) continue;
      if (floor === null || other.earliest < floor) floor = other.earliest;
    }
    return floor;
  }

  trim(record: StreamRecord, before: number): Promise<void> {
    const stream = this.#byId.get(record.id);
    if (!stream) return DONE;
    const limit = Math.min(before, record.visibleTail);
    let drop = 0;
    while (drop < stream.chunks.length) {
      const chunk = stream.chunks[drop]!;
      const end = chunk.start + chunk.bytes.length;
      if (end > limit) break;
      record.earliest = Math.max(record.earliest, end);
      drop++;
    }
    stream.chunks = stream.chunks.slice(drop);
    stream.writtenAt = stream.writtenAt.slice(drop);
    return DONE;
  }

  /** Producer states held, over every stream (metrics and tests). */
  producerStates(): number {
    let count = 0;
    for (const stream of this.#byId.values()) count += stream.producers.size;
    return count;
  }

  /** Number of streams, soft-deleted ones excluded (metrics). */
  streamCount(): number {
    let count = 0;
    for (const stream of this.#byPath.values()) if (!stream.record.softDeleted) count++;
    return count;
  }

  close(): Promise<void> {
    return DONE;
  }
}
