/**
 * The source's side of forks, over the engine's own store: what a fork peer
 * asks of the engine that holds a fork's source. On Node every source is in
 * the same store, so the engine answers its own forks; a Durable Object
 * answers these for the forks that live in other objects.
 */

import { isJsonContentType, storedJsonPrefixLength } from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { badRequest, ProtocolError } from "../http/errors.js";
import { findStream, releaseReference } from "../lifecycle/stream-lifecycle.js";
import { concatParts } from "../ports/body-part.js";
import type { ByteRange, ForkRequest, ForkSource } from "../ports/fork-peer.js";
import type { ForkOrigin, StreamRecord } from "../ports/store.js";
import { messageStart } from "../reads/message-start.js";
import { readRange } from "../reads/read-range.js";
import { forkDepth } from "./fork-chain.js";

/** `ForkPeer.exportFork` for a source of this store. */
export async function exportFork(ctx: EngineContext, request: ForkRequest): Promise<ForkSource> {
  const path = request.sourcePath;
  let source = liveSource(ctx, path);
  const tail = source.visibleTail;
  const requested = request.position ?? tail;
  if (requested > tail) {
    throw badRequest("INVALID_OFFSET", "Stream-Fork-Offset is beyond the source stream's tail");
  }
  // A fork offset inside a stored message inherits the messages before it,
  // as a read there starts at that message (see reads/message-start.ts).
  const position = await messageStart(ctx, source, requested);
  let forkPosition = position;
  if (request.subOffset !== 0) {
    forkPosition += await subOffsetBytes(ctx, source, position, request.subOffset);
    // The source may have been deleted (or replaced) while its bytes were read.
    const current = liveSource(ctx, path);
    if (current !== source && current.id !== source.id) {
      throw new ProtocolError(404, "FORK_SOURCE_NOT_FOUND", `fork source not found: ${path}`);
    }
    source = current;
  }
  // Checked last: the walk is over the source as it is when the reference is taken.
  const maxDepth = ctx.options.maxForkDepth;
  const sourceDepth =
    source.fork === null ? 0 : (source.fork.depth ?? forkDepth(ctx, source, maxDepth));
  if (sourceDepth >= maxDepth) {
    throw badRequest(
      "FORK_TOO_DEEP",
      `fork source ${path} is already ${maxDepth} forks deep (the server's --max-fork-depth)`,
    );
  }
  await ctx.store.changeForkCount(source, 1);
  return {
    origin: {
      sourceId: source.id,
      sourcePath: source.path,
      position: forkPosition,
      requestedOffset: request.requestedOffset,
      requestedSubOffset: request.subOffset,
      depth: sourceDepth + 1,
    },
    contentType: source.contentType,
    ttlSeconds: source.ttlSeconds,
    expiresAt: source.expiresAt,
    earliest: source.earliest,
  };
}

/** The source at `path`: 404 when absent or expired, 409 when soft-deleted. */
function liveSource(ctx: EngineContext, path: string): StreamRecord {
  const source = findStream(ctx, path);
  if (!source) {
    throw new ProtocolError(404, "FORK_SOURCE_NOT_FOUND", `fork source not found: ${path}`);
  }
  if (source.softDeleted) {
    throw new ProtocolError(409, "STREAM_GONE", `fork source was deleted: ${path}`);
  }
  return source;
}

/**
 * Bytes covered by `subOffset` past `position`, inside the stored unit (one
 * append) that starts there: messages for JSON, bytes otherwise. 400 when it
 * overshoots the next data boundary.
 */
async function subOffsetBytes(
  ctx: EngineContext,
  source: StreamRecord,
  position: number,
  subOffset: number,
): Promise<number> {
  const overshoot = () =>
    badRequest("INVALID_OFFSET", "Stream-Fork-Sub-Offset is past the next data boundary");
  if (position >= source.visibleTail) throw overshoot();
  const boundary = await appendEndAt(ctx, source, position);
  if (boundary === undefined) throw overshoot();
  const range = await readRange(ctx, source, position, boundary, boundary - position);
  const first = concatParts(range.chunks);
  if (isJsonContentType(source.contentType)) {
    const length = storedJsonPrefixLength(first, subOffset);
    if (length === undefined) throw overshoot();
    return length;
  }
  if (subOffset > first.length) throw overshoot();
  return subOffset;
}

/**
 * The data boundary after `position` of `record`: the end of the append that
 * wrote it, in the ancestor that holds `position` (found in a loop, see
 * `fork-chain.ts`), and never past a fork point on the way down.
 */
async function appendEndAt(
  ctx: EngineContext,
  record: StreamRecord,
  position: number,
): Promise<number | undefined> {
  let current = record;
  let cap = Number.POSITIVE_INFINITY;
  while (current.fork !== null && position < current.fork.position) {
    const fork = current.fork;
    cap = Math.min(cap, fork.position);
    if (!ctx.localForks) {
      const end = await ctx.forks.forkBoundary(fork, position);
      return end === undefined ? undefined : Math.min(end, cap);
    }
    const source = ctx.store.getById(fork.sourceId);
    if (!source) return undefined;
    current = source;
  }
  const end = ctx.store.appendEnd(current, position);
  return end === undefined ? undefined : Math.min(end, cap);
}

/** `ForkPeer.readFork` for a source of this store. */
export async function readFork(
  ctx: EngineContext,
  origin: ForkOrigin,
  from: number,
  to: number,
  maxBytes: number,
): Promise<ByteRange> {
  const source = ctx.store.getById(origin.sourceId);
  if (!source) return { start: from, end: from, chunks: [] };
  return readRange(ctx, source, from, Math.min(to, source.visibleTail), maxBytes);
}

/** `ForkPeer.forkBoundary` for a source of this store. */
export async function forkBoundary(
  ctx: EngineContext,
  origin: ForkOrigin,
  position: number,
): Promise<number | undefined> {
  const source = ctx.store.getById(origin.sourceId);
  return source ? appendEndAt(ctx, source, position) : undefined;
}

/** `ForkPeer.forkMessageStart` for a source of this store. */
export async function forkMessageStart(
  ctx: EngineContext,
  origin: ForkOrigin,
  position: number,
): Promise<number | undefined> {
  let source = ctx.store.getById(origin.sourceId);
  // Down the chain in a loop while the position is inherited from a source in
  // this store: a chain may be --max-fork-depth long, and going through the
  // peer once per level would nest that many calls on the stack.
  while (source) {
    const fork = source.fork;
    const inherited =
      fork !== null &&
      position < fork.position &&
      position > source.earliest &&
      position < source.visibleTail;
    const next = inherited ? ctx.store.getById(fork.sourceId) : undefined;
    if (!next) break;
    source = next;
  }
  return source ? messageStart(ctx, source, position) : undefined;
}

/** `ForkPeer.releaseFork` for a source of this store. */
export async function releaseFork(ctx: EngineContext, origin: ForkOrigin): Promise<void> {
  const source = ctx.store.getById(origin.sourceId);
  if (!source) return;
  // `retire` releases the source's own source in the same loop (the cascade).
  await releaseReference(ctx, source);
}
