/**
 * Reads a byte range of a stream, stitching a fork's inherited data (read
 * from its source through the fork peer) with its own, in one offset space
 * (Section 4.2). Only ranges below a fork point go async.
 */

import type { EngineContext } from "../context.js";
import { type BodyPart, slicePart } from "../http/http-types.js";
import type { ByteRange } from "../ports/fork-peer.js";
import type { StreamRecord, StreamStore } from "../ports/store.js";

export type { ByteRange };

/** Whether a read of `record` from `position` starts in data inherited from its fork source. */
export function inherits(record: StreamRecord, position: number): boolean {
  const fork = record.fork;
  return fork !== null && position < fork.position;
}

/**
 * Reads from `from` up to `limit` (exclusive), about `maxBytes` at most but
 * always whole stored chunks, at least one when data exists. Async only when
 * the range starts below the fork point.
 */
export function readRange(
  ctx: EngineContext,
  record: StreamRecord,
  from: number,
  limit: number,
  maxBytes: number,
): ByteRange | Promise<ByteRange> {
  if (!inherits(record, from)) return readOwnRange(ctx.store, record, from, limit, maxBytes, []);
  return readInheritedRange(ctx, record, from, limit, maxBytes);
}

/**
 * A range starting in inherited data. The chain is walked down to the
 * ancestor that holds `from` (a loop over this store; a remote source is
 * asked through the fork peer), then each level's own data is stitched on
 * the way back up while the budget and its fork point allow.
 */
async function readInheritedRange(
  ctx: EngineContext,
  record: StreamRecord,
  from: number,
  limit: number,
  maxBytes: number,
): Promise<ByteRange> {
  // The levels above the one holding `from`, leaf first, with their read limits.
  const levels: { record: StreamRecord; limit: number }[] = [];
  let current = record;
  let currentLimit = limit;
  let inherited: ByteRange | undefined;
  while (inherits(current, from)) {
    levels.push({ record: current, limit: currentLimit });
    const fork = current.fork!;
    if (!ctx.localForks) {
      inherited = await ctx.forks.readFork(
        fork,
        from,
        Math.min(currentLimit, fork.position),
        maxBytes,
      );
      break;
    }
    const source = ctx.store.getById(fork.sourceId);
    if (!source) {
      inherited = { start: from, end: from, chunks: [] };
      break;
    }
    currentLimit = Math.min(currentLimit, fork.position, source.visibleTail);
    current = source;
  }
  let range = inherited ?? readOwnRange(ctx.store, current, from, currentLimit, maxBytes, []);
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    range = stitchOwn(ctx, level.record, from, level.limit, maxBytes, range);
  }
  return range;
}

/** `inherited` (read below the fork point of `record`) followed by as much of its own data as fits. */
function stitchOwn(
  ctx: EngineContext,
  record: StreamRecord,
  from: number,
  limit: number,
  maxBytes: number,
  inherited: ByteRange,
): ByteRange {
  const fork = record.fork!;
  const chunks = inherited.chunks.slice();
  let budget = maxBytes;
  for (const chunk of chunks) budget -= chunk.length;
  const position = inherited.end;
  if (position < fork.position || budget <= 0 || position >= limit) {
    return { start: from, end: position, chunks };
  }
  const own = readOwnRange(ctx.store, record, position, limit, budget, chunks);
  return { start: from, end: own.end, chunks: own.chunks };
}

/** The stream's own data of `[from, limit)`, appended to `chunks`. */
export function readOwnRange(
  store: StreamStore,
  record: StreamRecord,
  from: number,
  limit: number,
  maxBytes: number,
  chunks: BodyPart[],
): ByteRange {
  let position = from;
  let budget = maxBytes;
  if (position >= limit) return { start: from, end: position, chunks };
  for (const stored of store.readChunks(record, position, limit, Math.max(budget, 1))) {
    // A gap: retention trimmed the range meanwhile; never skip data silently.
    if (stored.start > position) break;
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
