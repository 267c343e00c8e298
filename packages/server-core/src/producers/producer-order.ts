/**
 * Serialises requests of one producer on one stream (Section 5.2.1): HTTP
 * requests can finish arriving out of order, so a request whose sequence is
 * ahead waits for its in-flight predecessors instead of being refused as a gap.
 */

/** Bookkeeping of in-flight producer requests per `(stream, producer)` key. */
export class ProducerOrder {
  readonly #inFlight = new Map<string, Map<number, number>>();
  readonly #waiters = new Map<string, Array<() => void>>();

  /** Registers a request with sequence `seq`; call the returned function when it settled. */
  enter(key: string, seq: number): () => void {
    let seqs = this.#inFlight.get(key);
    if (!seqs) {
      seqs = new Map();
      this.#inFlight.set(key, seqs);
    }
    seqs.set(seq, (seqs.get(seq) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const current = this.#inFlight.get(key);
      if (!current) return;
      const count = (current.get(seq) ?? 1) - 1;
      if (count === 0) current.delete(seq);
      else current.set(seq, count);
      if (current.size === 0) this.#inFlight.delete(key);
      const waiters = this.#waiters.get(key);
      if (waiters) {
        this.#waiters.delete(key);
        for (const wake of waiters) wake();
      }
    };
  }

  /** Whether a request with a lower sequence than `seq` is in flight. */
  hasLower(key: string, seq: number): boolean {
    const seqs = this.#inFlight.get(key);
    if (!seqs) return false;
    for (const other of seqs.keys()) if (other < seq) return true;
    return false;
  }

  /** Resolves when some in-flight request of `key` settles, or after `timeoutMs`. */
  nextSettle(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const waiters = this.#waiters.get(key) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#waiters.set(key, waiters);
    });
  }
}
