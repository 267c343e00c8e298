/** The wake-up of live readers after a durable change of their stream. */

import type { LiveContext } from "./live-context.js";
import { SharedRead } from "./shared-read.js";

/**
 * Wakes the live readers of a stream after a durable change (data, closure,
 * deletion). The fan-out runs after the caller returns, so the change is
 * acknowledged first; readers already at the tail of an open stream keep waiting.
 */
export function wakeReaders(ctx: LiveContext, streamId: number): void {
  ctx.hub.notify(streamId, (position) => {
    const record = ctx.store.getById(streamId);
    if (record && !record.softDeleted && position >= record.visibleTail && !record.visibleClosed) {
      return null;
    }
    return new SharedRead(ctx, streamId, position);
  });
}
