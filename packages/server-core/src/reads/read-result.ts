/** One read of a stream from a position, and the bodies it turns into. */

import {
  encodeSseBase64Data,
  encodeSseUtf8Data,
  isJsonContentType,
  isSseTextContentType,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { type BodyPart, loadPart, slicePart } from "../http/http-types.js";
import { concatParts } from "../ports/body-part.js";
import type { StreamRecord } from "../ports/store.js";
import { type ByteRange, readOwnRange, readRange } from "./read-range.js";

/** A read of durable data from a position. */
export interface ReadResult {
  readonly record: StreamRecord;
  readonly range: ByteRange;
  /** The read reached the durable tail. */
  readonly upToDate: boolean;
  /** The read reached the tail of a closed stream: EOF. */
  readonly closed: boolean;
}

/**
 * Reads durable data of `record` from `position` (at most the configured
 * chunk size). Async only when `position` is below the fork point: the
 * inherited bytes come from the fork source.
 */
export function readAt(
  ctx: EngineContext,
  record: StreamRecord,
  position: number,
): ReadResult | Promise<ReadResult> {
  const tail = record.visibleTail;
  if (position >= tail)
    return resultOf(record, { start: position, end: position, chunks: [] }, tail);
  const range = readRange(ctx, record, position, tail, ctx.options.maxReadBytes);
  if (range instanceof Promise) return range.then((loaded) => resultOf(record, loaded, tail));
  return resultOf(record, range, tail);
}

/**
 * `readAt` where the position is known to be in the stream's own data (at or
 * past its fork point), as for every live reader waiting at the tail.
 */
export function readOwnAt(ctx: EngineContext, record: StreamRecord, position: number): ReadResult {
  const tail = record.visibleTail;
  const range =
    position >= tail
      ? { start: position, end: position, chunks: [] }
      : readOwnRange(ctx.store, record, position, tail, ctx.options.maxReadBytes, []);
  return resultOf(record, range, tail);
}

function resultOf(record: StreamRecord, range: ByteRange, tail: number): ReadResult {
  const upToDate = range.end >= tail;
  return { record, range, upToDate, closed: upToDate && record.visibleClosed };
}

const OPEN = new Uint8Array([0x5b]);
const CLOSE = new Uint8Array([0x5d]);
const EMPTY_ARRAY = [new Uint8Array([0x5b, 0x5d])];

/**
 * The HTTP body of a read: the bytes as stored, or for JSON streams the
 * stored messages wrapped as one array (stored form is `m1,m2,`). Stored
 * parts are not read here: a catch-up response reads them as it writes.
 */
export function httpReadBody(contentType: string, chunks: readonly BodyPart[]): BodyPart[] {
  if (!isJsonContentType(contentType)) return chunks as BodyPart[];
  if (chunks.length === 0) return EMPTY_ARRAY;
  const body: BodyPart[] = [OPEN];
  const last = chunks.length - 1;
  for (let i = 0; i < last; i++) body.push(chunks[i]!);
  const tail = chunks[last]!;
  body.push(slicePart(tail, 0, tail.length - 1), CLOSE);
  return body;
}

/** The SSE `data` frame for a read's bytes (JSON as one array, binary as base64). */
export function sseDataFrame(contentType: string, chunks: readonly BodyPart[]): Uint8Array {
  const bytes = concatParts(httpReadBody(contentType, chunks));
  return isSseTextContentType(contentType) ? encodeSseUtf8Data(bytes) : encodeSseBase64Data(bytes);
}

/** The bytes of body parts, read now (a body shared by many responses). */
export function loadParts(parts: readonly BodyPart[]): Uint8Array[] {
  return parts.map(loadPart);
}
