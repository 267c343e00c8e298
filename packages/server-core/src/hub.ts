/**
 * Wake-ups for live readers. One `notify` per durable change of a stream
 * wakes every waiter of that stream once; waiters are grouped by the position
 * they wait at so a group shares one read and one encoded response.
 */

/** A live reader waiting for the stream to move past `position`. */
export interface Waiter<Shared> {
  readonly position: number;
  /**
   * Called once when the stream changed (data, closure, deletion), with a
   * value shared by every waiter at the same position.
   */
  wake(shared: Shared): void;
}

/** Registry of waiters per stream id. */
export class WakeHub<Shared> {
  readonly #waiters = new Map<number, Map<number, Set<Waiter<Shared>>>>();

  /** Registers a waiter; returns a function that unregisters it. */
  wait(streamId: number, waiter: Waiter<Shared>): () => void {
    let byPosition = this.#waiters.get(streamId);
    if (!byPosition) {
      byPosition = new Map();
      this.#waiters.set(streamId, byPosition);
    }
    let group = byPosition.get(waiter.position);
    if (!group) {
      group = new Set();
      byPosition.set(waiter.position, group);
    }
    group.add(waiter);
    return () => {
      const positions = this.#waiters.get(streamId);
      const set = positions?.get(waiter.position);
      if (!positions || !set) return;
      set.delete(waiter);
      if (set.size === 0) positions.delete(waiter.position);
      if (positions.size === 0) this.#waiters.delete(streamId);
    };
  }

  /**
   * Wakes every waiter of `streamId` once. `share(position)` is called once
   * per distinct waiting position; its value is handed to that group.
   */
  notify(streamId: number, share: (position: number) => Shared): void {
    const byPosition = this.#waiters.get(streamId);
    if (!byPosition) return;
    this.#waiters.delete(streamId);
    for (const [position, group] of byPosition) {
      const shared = share(position);
      for (const waiter of group) waiter.wake(shared);
    }
  }

  /** Ids of streams that have waiters. */
  streamIds(): number[] {
    return [...this.#waiters.keys()];
  }

  /** Number of waiters (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const byPosition of this.#waiters.values())
      for (const group of byPosition.values()) n += group.size;
    return n;
  }
}
