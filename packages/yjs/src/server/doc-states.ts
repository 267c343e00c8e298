/**
 * What the routes remember per document: its current snapshot offset (read
 * from its `.index` stream on first use) and whether a compaction runs. A
 * bounded LRU: a forgotten document is read back from its index, so the
 * memory a client can make the server hold stays bounded.
 */

/** One document's remembered state. */
export interface DocState {
  /** Offset of the current snapshot; null when none; undefined until loaded. */
  snapshotOffset: string | null | undefined;
  /** The compaction under way, if any (one at a time per document). */
  compaction: Promise<void> | null;
}

/** Remembered documents, least recently used first. */
export class DocStates {
  readonly #states = new Map<string, DocState>();

  constructor(private readonly max: number) {}

  get(key: string): DocState {
    let state = this.#states.get(key);
    if (state) {
      this.#states.delete(key);
    } else {
      state = { snapshotOffset: undefined, compaction: null };
      if (this.#states.size >= this.max) {
        // The oldest idle one goes (a compacting one finishes on its own reference).
        for (const [oldest, value] of this.#states) {
          if (value.compaction === null) {
            this.#states.delete(oldest);
            break;
          }
        }
      }
    }
    this.#states.set(key, state);
    return state;
  }

  forget(key: string): void {
    this.#states.delete(key);
  }

  /** Settles once every compaction under way has ended. */
  async idle(): Promise<void> {
    const running = [...this.#states.values()].map((state) => state.compaction);
    await Promise.all(running.filter((compaction) => compaction !== null));
  }
}
