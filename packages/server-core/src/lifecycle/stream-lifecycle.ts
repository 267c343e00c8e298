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
 * last fork (the cascade up a fork chain).
 */
export async function retire(
  ctx: EngineContext,
  record: StreamRecord,
  reason: "deleted" | "expired",
): Promise<void> {
  // A soft-deleted stream was announced gone when it was deleted; its final removal is not news.
  const announce = !record.softDeleted;
  ctx.changes.removed(record);
  if (record.forkCount > 0) {
    const done = ctx.store.softDelete(record);
    ctx.wake(record.id);
    await done;
    if (announce) ctx.changes.deleted(record, reason, ctx.clock.now());
    return;
  }
  const removed = ctx.store.remove(record);
  ctx.wake(record.id);
  if (record.fork !== null) await Promise.all([removed, ctx.forks.releaseFork(record.fork)]);
  else await removed;
  if (announce) ctx.changes.deleted(record, reason, ctx.clock.now());
}
