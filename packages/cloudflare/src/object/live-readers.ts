/**
 * The per-stream live-reader cap, in the stream's object (Node:
 * `--max-live-readers-per-stream`): the object counts the long-polls it
 * holds and the SSE sessions it serves (one hibernatable socket each, which
 * `getWebSockets` still lists after the object was evicted and rebuilt).
 * One more gets `503 OVERLOADED` with `Retry-After: 1`, as on Node.
 */

import { tooManyLiveReaders } from "../worker/admission.js";

/** Counts one object's live reads. */
export class ObjectLiveReaders {
  readonly #ctx: DurableObjectState;
  readonly #max: number;
  #longPolls = 0;

  constructor(ctx: DurableObjectState, maxPerStream: number) {
    this.#ctx = ctx;
    this.#max = maxPerStream;
  }

  /**
   * For a live read (`live` is `long-poll` or `sse`), its release (call once
   * it is answered; a no-op for SSE, whose socket is its slot) or the 503;
   * null for any other request.
   */
  admit(request: Request): (() => void) | Response | null {
    if (request.method !== "GET") return null;
    const live = new URL(request.url).searchParams.get("live");
    if (live !== "long-poll" && live !== "sse") return null;
    if (this.#longPolls + this.#ctx.getWebSockets().length >= this.#max) {
      return tooManyLiveReaders("this stream");
    }
    if (live === "sse") return () => {};
    this.#longPolls++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#longPolls--;
    };
  }
}
