/**
 * Stream lifecycle rules shared by every operation: expiry on access,
 * soft-delete while forks remain, and cascading cleanup up a fork chain.
 */

import type { EngineContext } from "../context.js";
import { gone, notFound } from "../http/errors.js";
import { SharedRead } from "../live/shared-read.js";
import type { StreamRecord } from "../ports/store.js";
import { isExpired } from "../storage/expiry.js";

/**
 * Wakes the live readers of a stream after a durable change (data, closure,
 * deletion). The fan-out runs after the caller returns, so the change is
 * acknowledged first; readers already at the tail of an open stream keep waiting.
 */
export function wakeReaders(ctx: EngineContext, streamId: number): void {
  ctx.hub.notify(streamId, (position) => {
    const record = ctx.store.getById(streamId);
    if (record && !record.softDeleted && position >= record.visibleTail && !record.visibleClosed) {
      return null;
    }
    return new SharedRead(ctx, streamId, position);
  });
}

/**
 * The record at `path` if it exists and has not expired. An expired stream is
 * removed (or soft-deleted while forks need its data) on the way.
 */
export function findStream(ctx: EngineContext, path: string): StreamRecord | undefined {
  const record = ctx.store.get(path);
  if (!record) return undefined;
  if (!record.softDeleted && isExpired(record, ctx.clock.now())) {
    void retire(ctx, record, "expired");
    return ctx.store.get(path);
  }
  return record;
}

/** The live (not soft-deleted, not expired) record at `path`, or a 404/410 error. */
export function requireStream(ctx: EngineContext, path: string): StreamRecord {
  const record = findStream(ctx, path);
  if (!record) throw notFound(path);
  if (record.softDeleted) throw gone(path);
  return record;
}

/**
 * Deletes a stream the way DELETE and expiry do: soft-delete while forks
 * reference it, otherwise remove it and release its fork source, which
 * retires itself in turn when it was deleted or expired and this was its
 * last fork (the cascade up a fork chain). The cascade is a loop over this
 * store (a chain may be `maxForkDepth` long); every write is issued before
 * the first await, so a store with a group commit makes it one transaction.
 */
export async function retire(
  ctx: EngineContext,
  record: StreamRecord,
  reason: "deleted" | "expired",
): Promise<void> {
  const durable: Promise<unknown>[] = [];
  const announcements: (() => void)[] = [];
  let current: StreamRecord | undefined = record;
  let why = reason;
  while (current !== undefined) {
    current = retireOne(ctx, current, why, durable, announcements);
    why = "expired";
  }
  await Promise.all(durable);
  // Sources first, as each one's removal completes the removal of its fork.
  for (let i = announcements.length - 1; i >= 0; i--) announcements[i]!();
}

/**
 * Drops one fork's reference on `source` (its fork was removed), retiring
 * the source and the chain above it when that was its last fork and it was
 * deleted or has expired. Settles once durable.
 */
export async function releaseReference(ctx: EngineContext, source: StreamRecord): Promise<void> {
  const durable: Promise<unknown>[] = [];
  const next = releaseOne(ctx, source, durable);
  if (next !== undefined) durable.push(retire(ctx, next, "expired"));
  await Promise.all(durable);
}

/**
 * Retires `record` alone (writes issued into `durable`, its announcement
 * into `announcements`); returns its local source when that must retire next.
 */
function retireOne(
  ctx: EngineContext,
  record: StreamRecord,
  reason: "deleted" | "expired",
  durable: Promise<unknown>[],
  announcements: (() => void)[],
): StreamRecord | undefined {
  // A soft-deleted stream was announced gone when it was deleted; its final removal is not news.
  const announce = !record.softDeleted;
  ctx.subscriptions?.streamRemoved(record.path);
  if (announce) announcements.push(() => ctx.events.deleted(record, reason, ctx.clock.now()));
  if (record.forkCount > 0) {
    durable.push(ctx.store.softDelete(record));
    wakeReaders(ctx, record.id);
    return undefined;
  }
  durable.push(ctx.store.remove(record));
  wakeReaders(ctx, record.id);
  if (record.fork === null) return undefined;
  if (!ctx.localForks) {
    durable.push(ctx.forks.releaseFork(record.fork));
    return undefined;
  }
  const source = ctx.store.getById(record.fork.sourceId);
  return source === undefined ? undefined : releaseOne(ctx, source, durable);
}

/** Drops one reference on `source`; returns it when it must retire now. */
function releaseOne(
  ctx: EngineContext,
  source: StreamRecord,
  durable: Promise<unknown>[],
): StreamRecord | undefined {
  const released = ctx.store.changeForkCount(source, -1);
  if (source.forkCount === 0 && (source.softDeleted || isExpired(source, ctx.clock.now()))) {
    durable.push(released);
    return source;
  }
  // The fork may have held back data the source's retention would trim.
  durable.push(released.then(() => ctx.retention?.mayTrim(source)));
  return undefined;
}
