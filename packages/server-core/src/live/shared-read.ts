/**
 * The read that every live reader waiting at one position shares after a
 * wake-up: read once, encoded once per form (long-poll body and headers, SSE
 * data+control frame), with one cursor for the whole group where the cursor
 * rules allow it (Section 10.1).
 */

import { encodeOffset, encodeSseControl } from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { concatParts } from "../ports/body-part.js";
import type { StreamRecord } from "../ports/store.js";
import { readHeaders } from "../reads/catch-up-read.js";
import {
  httpReadBody,
  loadParts,
  type ReadResult,
  readOwnAt,
  sseDataFrame,
} from "../reads/read-result.js";
import { cursorInterval, LiveCursor } from "./shared-cursor.js";

/**
 * How long a read may be handed to later readers of the same position while
 * the stream is unchanged (bounds the age of its Cache-Control max-age).
 */
const MAX_REUSE_MS = 1000;

/** The latest read per stream, for `SharedRead.at`. */
const recent = new WeakMap<StreamRecord, SharedRead>();

/**
 * A lazily computed read shared by a group of waiters at one position. The
 * position is in the stream's own data (live readers wait at the tail, which
 * is never below a fork point), so the read is synchronous.
 */
export class SharedRead {
  #result: ReadResult | null | undefined;
  #httpBody: Uint8Array[] | undefined;
  #headers: Map<string, Record<string, string>> | undefined;
  #sseFrame: Uint8Array | undefined;
  #sseData: Uint8Array | undefined;
  #cursor: LiveCursor | undefined;
  #readAt = 0;
  #readTail = -1;
  #readClosed = false;

  constructor(
    private readonly ctx: EngineContext,
    readonly streamId: number,
    readonly position: number,
  ) {}

  /** The read, or null when the stream is gone (deleted, soft-deleted, expired). */
  result(): ReadResult | null {
    if (this.#result === undefined) {
      const record = this.ctx.store.getById(this.streamId);
      if (record && !record.softDeleted) {
        this.#result = readOwnAt(this.ctx, record, this.position);
        this.#readAt = this.ctx.clock.now();
        this.#readTail = record.visibleTail;
        this.#readClosed = record.visibleClosed;
        recent.set(record, this);
      } else {
        this.#result = null;
      }
    }
    return this.#result;
  }

  /** Whether this read is still what a read of `record` at `now` would return. */
  #current(record: StreamRecord, now: number): boolean {
    return (
      this.#result !== undefined &&
      this.#result !== null &&
      this.#readTail === record.visibleTail &&
      this.#readClosed === record.visibleClosed &&
      now - this.#readAt < MAX_REUSE_MS &&
      (this.#cursor === undefined || this.#cursor.interval === cursorInterval(now))
    );
  }

  /**
   * A read of `record` (live, not soft-deleted) from `position`, shared with
   * the readers that asked for the same while nothing changed: the long-polls
   * that arrive at the previous tail right after a wake-up share its body.
   */
  static at(ctx: EngineContext, record: StreamRecord, position: number): SharedRead {
    const previous = recent.get(record);
    if (previous && previous.position === position && previous.#current(record, ctx.clock.now())) {
      return previous;
    }
    const shared = new SharedRead(ctx, record.id, position);
    shared.result();
    return shared;
  }

  /** The cursor rules at the time of this wake-up, shared by the group. */
  get cursor(): LiveCursor {
    this.#cursor ??= new LiveCursor(this.ctx.clock.now());
    return this.#cursor;
  }

  /** The long-poll response body for this read. */
  httpBody(result: ReadResult): Uint8Array[] {
    // Read once: every waiter of the group writes the same buffers.
    this.#httpBody ??= loadParts(httpReadBody(result.record.contentType, result.range.chunks));
    return this.#httpBody;
  }

  /** The long-poll `200` headers for this read with `cursor`; one object per distinct cursor. */
  httpHeaders(result: ReadResult, cursor: string): Record<string, string> {
    this.#headers ??= new Map();
    let headers = this.#headers.get(cursor);
    if (!headers) {
      headers = readHeaders(this.ctx, result, cursor);
      this.#headers.set(cursor, headers);
    }
    return headers;
  }

  /**
   * The SSE bytes of this read: its data event (if any) and the control event
   * after it, as one frame, with the group's cursor (the current interval).
   * A session whose cursor is already past it encodes its own control event.
   */
  sseFrame(result: ReadResult): Uint8Array {
    this.#sseFrame ??= sseFrame(
      result,
      result.closed ? undefined : this.cursor.intervalText,
      result.range.end > result.range.start ? this.sseDataFrame(result) : null,
    );
    return this.#sseFrame;
  }

  /** The SSE `data` event of this read alone. */
  sseDataFrame(result: ReadResult): Uint8Array {
    this.#sseData ??= sseDataFrame(result.record.contentType, result.range.chunks);
    return this.#sseData;
  }
}

/** A data event (if any) followed by its control event, as one frame. */
export function sseFrame(
  result: ReadResult,
  cursor: string | undefined,
  dataFrame: Uint8Array | null,
): Uint8Array {
  const control = encodeSseControl({
    streamNextOffset: encodeOffset(result.range.end),
    streamCursor: cursor,
    upToDate: result.upToDate,
    streamClosed: result.closed,
  });
  return dataFrame ? concatParts([dataFrame, control]) : control;
}
