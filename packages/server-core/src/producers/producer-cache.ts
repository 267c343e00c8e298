/**
 * Idempotent-producer state in memory: a bounded cache over a store's
 * producer table (SQLite on Node, a Durable Object's SQLite on Cloudflare),
 * so a writer that invents a new `Producer-Id` per request grows the table
 * (which expiry sweeps) but not the heap. States not yet durable are pinned
 * outside the LRU until their write commits: evicting one would let a retry
 * be validated against the older stored row. Entries of a removed stream are
 * left to age out: a store does not reuse stream ids.
 */

import type { ProducerState } from "../ports/store.js";

/** The cache key of a producer on a stream. */
function keyOf(streamId: number, producerId: string): string {
  return `${streamId}\u0000${producerId}`;
}

/** Producer states by stream and id: pinned while pending, then least recently used first out. */
export class ProducerCache {
  /** Durable states, oldest use first (a Map keeps insertion order). */
  readonly #durable = new Map<string, ProducerState>();
  /** States written but not yet durable; never evicted. */
  readonly #pending = new Map<string, ProducerState>();

  /** @param capacity durable states kept at most. */
  constructor(readonly capacity: number) {}

  /** The state in memory, or undefined (then the caller reads the table and calls `loaded`). */
  get(streamId: number, producerId: string): ProducerState | undefined {
    const key = keyOf(streamId, producerId);
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const state = this.#durable.get(key);
    if (state !== undefined) {
      this.#durable.delete(key);
      this.#durable.set(key, state);
    }
    return state;
  }

  /** A state as the table holds it: read from it, or written there durably at once. */
  loaded(streamId: number, producerId: string, state: ProducerState): void {
    this.#keep(keyOf(streamId, producerId), state);
  }

  /** A state an append wrote; pinned until `durable` or `clear`. */
  written(streamId: number, producerId: string, state: ProducerState): void {
    this.#pending.set(keyOf(streamId, producerId), state);
  }

  /** The append that wrote `state` is durable: it joins the LRU. */
  durable(streamId: number, producerId: string, state: ProducerState): void {
    const key = keyOf(streamId, producerId);
    if (this.#pending.get(key) !== state) return;
    this.#pending.delete(key);
    this.#keep(key, state);
  }

  /** States held (pending and durable), for tests and metrics. */
  get size(): number {
    return this.#pending.size + this.#durable.size;
  }

  /** Forgets everything (a rolled-back group; the table is the truth). */
  clear(): void {
    this.#pending.clear();
    this.#durable.clear();
  }

  #keep(key: string, state: ProducerState): void {
    this.#durable.delete(key);
    this.#durable.set(key, state);
    while (this.#durable.size > this.capacity) {
      this.#durable.delete(this.#durable.keys().next().value as string);
    }
  }
}
