/**
 * Tracks which transaction ids (`headers.txid` of change events) the StreamDB
 * has committed, so a writer can wait until its own write comes back through
 * the stream.
 *
 * @module
 */

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** How many committed txids are remembered for late `awaitTxId` calls. */
export const SEEN_TXID_LIMIT = 10_000;

/** Committed txids (bounded, oldest forgotten first) and the waiters on them. */
export class TxidTracker {
  readonly #seen = new Set<string>();
  readonly #waiters = new Map<string, Waiter[]>();
  #failure: Error | undefined;

  /** Marks `txid` as committed and wakes its waiters. */
  markSeen(txid: string): void {
    if (this.#seen.has(txid)) this.#seen.delete(txid); // refresh its age
    this.#seen.add(txid);
    if (this.#seen.size > SEEN_TXID_LIMIT) {
      const oldest = this.#seen.values().next().value as string;
      this.#seen.delete(oldest);
    }
    const waiters = this.#waiters.get(txid);
    if (!waiters) return;
    this.#waiters.delete(txid);
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  /** Whether `txid` has been committed (among the last {@link SEEN_TXID_LIMIT}). */
  has(txid: string): boolean {
    return this.#seen.has(txid);
  }

  /** Resolves once `txid` is committed; rejects after `timeoutMs` or when the DB fails or closes. */
  wait(txid: string, timeoutMs = 5000): Promise<void> {
    if (this.#seen.has(txid)) return Promise.resolve();
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const list = this.#waiters.get(txid);
          const index = list?.indexOf(waiter) ?? -1;
          if (list && index !== -1) list.splice(index, 1);
          if (list?.length === 0) this.#waiters.delete(txid);
          reject(new Error(`Timeout waiting for txid: ${txid}`));
        }, timeoutMs),
      };
      const list = this.#waiters.get(txid);
      if (list) list.push(waiter);
      else this.#waiters.set(txid, [waiter]);
    });
  }

  /** Rejects every waiter, now and later, with `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    for (const waiters of this.#waiters.values()) {
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(error);
      }
    }
    this.#waiters.clear();
  }
}
