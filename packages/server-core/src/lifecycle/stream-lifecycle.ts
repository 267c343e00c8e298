/**
 * Stream lifecycle rules shared by every operation and feature: expiry on access,
 * soft-delete while forks remain, and cascading cleanup up a fork chain.
 */

import type { EngineContext } from "../context.js";
import { gone, notFound } from "../http/errors.js";
import type { StreamRecord } from "../ports/store.js";
import { isExpired } from "../storage/expiry.js";

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
  ctx.changes.removed(record);
  if (announce) announcements.push(() => ctx.changes.deleted(record, reason, ctx.clock.now()));
  if (record.forkCount > 0) {
    durable.push(ctx.store.softDelete(record));
    ctx.wake(record.id);
    return undefined;
  }
  durable.push(ctx.store.remove(record));
  ctx.wake(record.id);
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
  durable.push(released.then(() => ctx.changes.forkReleased(source)));
  return undefined;
}
