/**
 * Gives memory back once a burst is over. After a flood of requests the
 * process keeps what the burst grew: SQLite's page cache, the checkpoint
 * worker, V8's heap. Once no request has arrived for `idleMs`, the store
 * releases what it can rebuild on demand and, when the process runs with
 * `--expose-gc` (see `SERVER_NODE_FLAGS`), a full collection lets V8 return
 * its emptied pages.
 */

/** Something that can drop memory it can rebuild. */
export interface MemoryReleaser {
  releaseMemory(): void;
}

/** Watches request activity and releases memory once it stops. */
export class IdleRelease {
  #active = false;
  #lastActivity = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly target: MemoryReleaser,
    private readonly idleMs = 1_000,
  ) {
    this.#timer = setInterval(() => this.#check(), Math.max(50, idleMs / 4));
    this.#timer.unref();
  }

  /** Called on every request. */
  touch(): void {
    this.#active = true;
    this.#lastActivity = Date.now();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    if (!this.#active || Date.now() - this.#lastActivity < this.idleMs) return;
    this.#active = false;
    this.target.releaseMemory();
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) return;
    gc();
    // A second pass once the first one's concurrent sweeping is done lets
    // V8 compact the pages the first left fragmented.
    setTimeout(() => {
      if (!this.#active) gc();
    }, 200).unref();
  }
}
