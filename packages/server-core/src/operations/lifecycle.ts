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
  if (!record.softDeleted && isExpired(record, ctx.options.now())) {
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
 * reference it, otherwise remove it and cascade to soft-deleted sources whose
 * last fork it was.
 */
export async function retire(
  ctx: EngineContext,
  record: StreamRecord,
  reason: "deleted" | "expired",
): Promise<void> {
  if (record.forkCount > 0) {
    const done = ctx.store.softDelete(record);
    wakeReaders(ctx, record.id);
    await done;
    ctx.events.deleted(record, reason, ctx.options.now());
    return;
  }
  const pending: Promise<void>[] = [];
  let current: StreamRecord | undefined = record;
  while (current) {
    const sourceId: number | null = current.fork?.sourceId ?? null;
    pending.push(ctx.store.remove(current));
    wakeReaders(ctx, current.id);
    const source: StreamRecord | undefined =
      sourceId === null ? undefined : ctx.store.getById(sourceId);
    current =
      source &&
      source.forkCount === 0 &&
      (source.softDeleted || isExpired(source, ctx.options.now()))
        ? source
        : undefined;
  }
  await Promise.all(pending);
  ctx.events.deleted(record, reason, ctx.options.now());
}
