/**
 * Caps on concurrent live reads (long-poll and SSE), per stream and in total.
 * Each live read holds a socket, a waiter and, for SSE, a send buffer for as
 * long as it lasts; the caps keep one hot stream (or many) from taking every
 * connection the server has.
 */

/** Counts live reads and admits new ones while under both caps. */
export class LiveReaderLimit {
  readonly #perStream = new Map<string, number>();
  #total = 0;

  constructor(
    readonly maxTotal: number,
    readonly maxPerStream: number,
  ) {}

  /** Live reads open right now. */
  get total(): number {
    return this.#total;
  }

  /**
   * Admits a live read of `path`: returns its release function (call once,
   * when the read's response closes), or a reason when a cap is reached.
   */
  admit(path: string): (() => void) | "total" | "stream" {
    if (this.#total >= this.maxTotal) return "total";
    const count = this.#perStream.get(path) ?? 0;
    if (count >= this.maxPerStream) return "stream";
    this.#perStream.set(path, count + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perStream.get(path) ?? 1) - 1;
      if (left === 0) this.#perStream.delete(path);
      else this.#perStream.set(path, left);
    };
  }
}
