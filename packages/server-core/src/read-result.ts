/** One read of a stream from a position, and the bodies it turns into. */

import {
  encodeSseBase64Data,
  encodeSseUtf8Data,
  isJsonContentType,
  isSseTextContentType,
} from "@durastream/protocol";
import type { EngineContext } from "./context.js";
import { type ByteRange, readRange } from "./read-range.js";
import type { StreamRecord } from "./store.js";

/** A read of durable data from a position. */
export interface ReadResult {
  readonly record: StreamRecord;
  readonly range: ByteRange;
  /** The read reached the durable tail. */
  readonly upToDate: boolean;
  /** The read reached the tail of a closed stream: EOF. */
  readonly closed: boolean;
}

/** Reads durable data of `record` from `position` (at most the configured chunk size). */
export function readAt(ctx: EngineContext, record: StreamRecord, position: number): ReadResult {
  const tail = record.visibleTail;
  const range =
    position >= tail
      ? { start: position, end: position, chunks: [] }
      : readRange(ctx.store, record, position, tail, ctx.options.maxReadBytes);
  const upToDate = range.end >= tail;
  return { record, range, upToDate, closed: upToDate && record.visibleClosed };
}

const OPEN = new Uint8Array([0x5b]);
const CLOSE = new Uint8Array([0x5d]);
const EMPTY_ARRAY = [new Uint8Array([0x5b, 0x5d])];

/**
 * The HTTP body of a read: the bytes as stored, or for JSON streams the
 * stored messages wrapped as one array (stored form is `m1,m2,`).
 */
export function httpReadBody(contentType: string, chunks: readonly Uint8Array[]): Uint8Array[] {
  if (!isJsonContentType(contentType)) return chunks as Uint8Array[];
  if (chunks.length === 0) return EMPTY_ARRAY;
  const body: Uint8Array[] = [OPEN];
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) body.push(chunks[i]!);
  const tail = chunks[last]!;
  body.push(tail.subarray(0, tail.length - 1), CLOSE);
  return body;
}

/** The SSE `data` frame for a read's bytes (JSON as one array, binary as base64). */
export function sseDataFrame(contentType: string, chunks: readonly Uint8Array[]): Uint8Array {
  const bytes = concat(httpReadBody(contentType, chunks));
  return isSseTextContentType(contentType) ? encodeSseUtf8Data(bytes) : encodeSseBase64Data(bytes);
}

/** Concatenates byte slices (one copy). */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
