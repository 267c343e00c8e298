/**
 * Message boundaries of JSON streams. A JSON read wraps the stored bytes from
 * its offset in `[` `]`, so an offset inside a message would answer with a
 * body that is not JSON. Offsets are opaque tokens this server issued, and it
 * only ever issues boundaries: the start, the end of an append, the tail, and
 * a fork's position (a message boundary of its source, Section 4.2). Any other
 * position of a JSON stream is refused rather than rounded, so a client bug
 * shows up as a 400 instead of silently skipped or repeated messages.
 */

import type { EngineContext } from "../context.js";
import type { StreamRecord } from "../ports/store.js";

/**
 * Whether `position` (at most the visible tail) is a message boundary of JSON
 * stream `record`. Synchronous for the stream's own data; a position inherited
 * from a fork source is asked of the fork peer (which may be remote).
 */
export function isJsonMessageBoundary(
  ctx: EngineContext,
  record: StreamRecord,
  position: number,
): boolean | Promise<boolean> {
  if (position === 0 || position === record.visibleTail) return true;
  const fork = record.fork;
  if (fork !== null && position <= fork.position) {
    if (position === fork.position) return true;
    return ctx.forks.forkBoundary(fork, position - 1).then((end) => end === position);
  }
  return ctx.store.appendEnd(record, position - 1) === position;
}
