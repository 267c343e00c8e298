/**
 * The hot tail: the most recently committed chunks of recently written
 * streams, kept in memory so live readers (long-poll, SSE, readers a few
 * messages behind) are served without a database query. Bounded per stream
 * and in total; a stream whose cache was dropped starts a new one at its
 * next commit and older bytes come from SQLite again.
 */

import type { StoredChunk } from "@durastream/server-core";

/** Sizes of the tail cache. */
export interface TailCacheLimits {
  /** Bytes kept per stream at most (whole chunks; the newest always stays). */
  readonly perStreamBytes: number;
  /** Bytes kept across all streams at most. */
  readonly totalBytes: number;
}

interface StreamTail {
  /** Contiguous committed chunks, oldest first. */
  readonly chunks: StoredChunk[];
  bytes: number;
}

/** Recently committed chunks per stream id. */
export class TailCache {
  // Map order is the eviction order: a stream moves to the end when written.
  readonly #tails = new Map<number, StreamTail>();
  #bytes = 0;

  constructor(private readonly limits: TailCacheLimits) {}

  /**
   * Records a committed chunk `[start, start + bytes.length)` of stream `id`.
   * A stream's chunks commit in stream order, so each one continues the run.
   */
  add(id: number, start: number, bytes: Uint8Array): void {
    let tail = this.#tails.get(id);
    if (tail) this.#tails.delete(id);
    tail ??= { chunks: [], bytes: 0 };
    tail.chunks.push({ start, bytes });
    tail.bytes += bytes.length;
    this.#bytes += bytes.length;
    while (tail.chunks.length > 1 && tail.bytes > this.limits.perStreamBytes) {
      const dropped = tail.chunks.shift()!;
      tail.bytes -= dropped.bytes.length;
      this.#bytes -= dropped.bytes.length;
    }
    this.#tails.set(id, tail);
    this.#trim();
  }

  /**
   * Chunks overlapping `[from, to)` when the cache holds all of `from`
   * onwards (up to `to`), else undefined. Same shape as a store read.
   */
  read(id: number, from: number, to: number, maxBytes: number): StoredChunk[] | undefined {
    const tail = this.#tails.get(id);
    if (!tail) return undefined;
    const chunks = tail.chunks;
    const first = chunks[0]!;
    const last = chunks[chunks.length - 1]!;
    if (from < first.start || to > last.start + last.bytes.length) return undefined;
    const out: StoredChunk[] = [];
    let bytes = 0;
    for (const chunk of chunks) {
      if (chunk.start + chunk.bytes.length <= from) continue;
      if (chunk.start >= to) break;
      out.push(chunk);
      bytes += chunk.bytes.length;
      if (bytes >= maxBytes) break;
    }
    return out;
  }

  /**
   * Whether a cached chunk of stream `id` starts at `position`: an append
   * starts there (a chunk holds whole appends). A live reader resumes at the
   * tail it was last given, which is where the next chunk starts, so this
   * answers without a query; false means "ask the database".
   */
  startsChunk(id: number, position: number): boolean {
    const chunks = this.#tails.get(id)?.chunks;
    if (!chunks) return false;
    for (let i = chunks.length - 1; i >= 0; i--) {
      const start = chunks[i]!.start;
      if (start === position) return true;
      if (start < position) return false;
    }
    return false;
  }

  /** Forgets stream `id` (deleted, or its data changed underneath). */
  drop(id: number): void {
    const tail = this.#tails.get(id);
    if (!tail) return;
    this.#tails.delete(id);
    this.#bytes -= tail.bytes;
  }

  /** Forgets the chunks of stream `id` that end at or before `position` (trimmed by retention). */
  dropBefore(id: number, position: number): void {
    const tail = this.#tails.get(id);
    if (!tail) return;
    while (tail.chunks.length > 0) {
      const first = tail.chunks[0]!;
      if (first.start + first.bytes.length > position) break;
      tail.chunks.shift();
      tail.bytes -= first.bytes.length;
      this.#bytes -= first.bytes.length;
    }
    if (tail.chunks.length === 0) this.#tails.delete(id);
  }

  /** Forgets every stream (what was cached may not be what is stored). */
  clear(): void {
    this.#tails.clear();
    this.#bytes = 0;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  #trim(): void {
    for (const [id, tail] of this.#tails) {
      if (this.#bytes <= this.limits.totalBytes) return;
      this.#tails.delete(id);
      this.#bytes -= tail.bytes;
    }
  }
}
