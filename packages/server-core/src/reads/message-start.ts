/**
 * Offsets inside a stored message. Offsets are opaque tokens, but clients
 * construct them anyway: the official Yjs server reads updates from its
 * snapshot's offset with one added to the token's second part, a position one
 * byte inside the next stored message. The official server answers a read at
 * any offset with every message whose end offset is greater than it, so such
 * an offset rounds down to the start of the message that contains it, and
 * durastream does the same for catch-up reads, live reads and fork points.
 *
 * A message is one append of a byte stream (a batch of several appends that
 * share a stored chunk keeps each append's boundaries), and one JSON value of
 * a JSON stream (an append of an array stores one message per element).
 */

import { isJsonContentType, storedJsonMessageStart } from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { concatParts } from "../ports/body-part.js";
import type { StreamRecord } from "../ports/store.js";
import { readOwnRange } from "./read-range.js";

/**
 * The start of the stored message of `record` that contains byte `position`,
 * or `position` itself when it is a message boundary or the visible tail.
 * Synchronous for the stream's own data; a position inherited from a fork
 * source is asked of the fork peer (which may be remote).
 */
export function messageStart(
  ctx: EngineContext,
  record: StreamRecord,
  position: number,
): number | Promise<number> {
  if (position <= record.earliest || position >= record.visibleTail) return position;
  const fork = record.fork;
  if (fork !== null && position < fork.position) {
    return ctx.forks.forkMessageStart(fork, position).then((start) => start ?? position);
  }
  const start = ctx.store.appendStart(record, position);
  // Nothing stored there (retention trimmed it meanwhile): the read reports the gap.
  if (start === undefined || start >= position) return position;
  if (!isJsonContentType(record.contentType)) return start;
  const range = readOwnRange(ctx.store, record, start, position, position - start, []);
  return start + storedJsonMessageStart(concatParts(range.chunks));
}
