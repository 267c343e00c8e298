/**
 * Page visibility for live reads: in a browser, a read that tails a stream
 * pauses while its page is hidden (a background tab costs no battery or
 * bandwidth) and resumes from its last offset when the page is shown again,
 * as `@durable-streams/client` does. Where there is no `document` (Node,
 * Workers) there is nothing to watch.
 */

/** Watches the page's visibility on behalf of one read session. */
export class PageVisibility {
  readonly #document: Document;
  readonly #onHidden: () => void;
  readonly #waiters = new Set<() => void>();
  readonly #onChange = (): void => {
    if (this.#document.hidden) {
      this.#onHidden();
      return;
    }
    for (const wake of [...this.#waiters]) wake();
  };

  private constructor(document: Document, onHidden: () => void) {
    this.#document = document;
    this.#onHidden = onHidden;
    document.addEventListener("visibilitychange", this.#onChange);
  }

  /**
   * Starts watching; `onHidden` runs whenever the page becomes hidden.
   * Returns `undefined` outside browsers.
   */
  static watch(onHidden: () => void): PageVisibility | undefined {
    if (
      typeof document !== "object" ||
      document === null ||
      typeof document.hidden !== "boolean" ||
      typeof document.addEventListener !== "function"
    ) {
      return undefined;
    }
    return new PageVisibility(document, onHidden);
  }

  /** Whether the page is hidden now. */
  get hidden(): boolean {
    return this.#document.hidden;
  }

  /** Resolves once the page is visible, or when `signal` aborts. */
  whenVisible(signal: AbortSignal): Promise<void> {
    if (!this.hidden || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  /** Stops watching and releases anyone waiting. */
  dispose(): void {
    this.#document.removeEventListener("visibilitychange", this.#onChange);
    for (const wake of [...this.#waiters]) wake();
  }
}
