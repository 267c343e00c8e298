/**
 * The global request-body budget. The engine buffers a body whole before it
 * appends it, so concurrent large uploads add up; this bounds their sum.
 * A body that does not fit is refused with 503 and `Retry-After` rather than
 * queued: the client retries, the server's memory stays bounded.
 */

/** Bytes of request bodies in flight, against a fixed budget. */
export class BodyBudget {
  #inFlight = 0;

  constructor(readonly budgetBytes: number) {}

  /** Bytes reserved right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Reserves `bytes` if they fit; false (nothing reserved) otherwise.
   * `held` is what the caller reserved already (earlier chunks of the same
   * body). With no other body in flight anything fits, so a budget below the
   * largest body still lets such a body through, one at a time.
   */
  tryReserve(bytes: number, held = 0): boolean {
    const others = this.#inFlight - held;
    if (others > 0 && this.#inFlight + bytes > this.budgetBytes) return false;
    this.#inFlight += bytes;
    return true;
  }

  /** Returns bytes reserved earlier. */
  release(bytes: number): void {
    this.#inFlight -= bytes;
  }
}
