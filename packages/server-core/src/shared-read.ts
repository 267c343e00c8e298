/**
 * The read that every live reader waiting at one position shares after a
 * wake-up: read once, encoded once per form (long-poll body, SSE frame).
 */

import type { EngineContext } from "./context.js";
import { httpReadBody, type ReadResult, readAt, sseDataFrame } from "./read-result.js";

/** A lazily computed read shared by a group of waiters at one position. */
export class SharedRead {
  #result: ReadResult | null | undefined;
  #httpBody: Uint8Array[] | undefined;
  #sseFrame: Uint8Array | undefined;

  constructor(
    private readonly ctx: EngineContext,
    readonly streamId: number,
    readonly position: number,
  ) {}

  /** The read, or null when the stream is gone (deleted, soft-deleted, expired). */
  result(): ReadResult | null {
    if (this.#result === undefined) {
      const record = this.ctx.store.getById(this.streamId);
      this.#result = record && !record.softDeleted ? readAt(this.ctx, record, this.position) : null;
    }
    return this.#result;
  }

  /** The long-poll response body for this read. */
  httpBody(result: ReadResult): Uint8Array[] {
    this.#httpBody ??= httpReadBody(result.record.contentType, result.range.chunks);
    return this.#httpBody;
  }

  /** The SSE data frame for this read. */
  sseFrame(result: ReadResult): Uint8Array {
    this.#sseFrame ??= sseDataFrame(result.record.contentType, result.range.chunks);
    return this.#sseFrame;
  }
}
