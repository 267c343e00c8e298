/**
 * Reads a byte range of a stream, stitching a fork's inherited data from its
 * source chain with its own, in one offset space (Section 4.2).
 */

import { type BodyPart, slicePart } from "../http/http-types.js";
import type { StreamRecord, StreamStore } from "../ports/store.js";

/** Bytes of `[start, end)` as a list of slices (no copies; stored ones not read yet). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
  readonly chunks: BodyPart[];
}

/**
 * Reads from `from` up to `limit` (exclusive), about `maxBytes` at most but
 * always whole stored chunks, at least one when data exists.
 */
export function readRange(
  store: StreamStore,
  record: StreamRecord,
  from: number,
  limit: number,
  maxBytes: number,
): ByteRange {
  const chunks: BodyPart[] = [];
  let position = from;
  let budget = maxBytes;
  const fork = record.fork;
  if (fork !== null && position < fork.position) {
    const source = store.getById(fork.sourceId);
    if (source) {
      const inherited = readRange(store, source, position, Math.min(limit, fork.position), budget);
      for (const chunk of inherited.chunks) {
        chunks.push(chunk);
        budget -= chunk.length;
      }
      position = inherited.end;
    }
    if (position < fork.position || budget <= 0) return { start: from, end: position, chunks };
  }
  if (position >= limit) return { start: from, end: position, chunks };
  for (const stored of store.readChunks(record, position, limit, Math.max(budget, 1))) {
    const startIn = Math.max(0, position - stored.start);
    const endIn = Math.min(stored.bytes.length, limit - stored.start);
    if (endIn <= startIn) continue;
    const slice = slicePart(stored.bytes, startIn, endIn);
    chunks.push(slice);
    position = stored.start + endIn;
    budget -= slice.length;
    if (budget <= 0) break;
  }
  return { start: from, end: position, chunks };
}
