/**
 * Walking fork chains (forks of forks) in a loop. A chain may be as long as
 * `maxForkDepth`; following it through nested calls, one per ancestor, would
 * overflow the stack long before that (about 5,000 ancestors), so every walk
 * over sources in this engine's own store goes through these helpers. A
 * source behind a remote peer is reached through the peer: its own object
 * walks its part of the chain.
 */

import type { EngineContext } from "../context.js";
import type { StreamRecord } from "../ports/store.js";

/**
 * The fork source of `record` when it lives in this engine's store, or
 * undefined (a root stream, a source gone, or a source behind a remote peer).
 */
export function localSource(ctx: EngineContext, record: StreamRecord): StreamRecord | undefined {
  if (record.fork === null || !ctx.localForks) return undefined;
  return ctx.store.getById(record.fork.sourceId);
}

/**
 * How many fork ancestors `record` has (0 for a root stream), counting those
 * in this store; a chain continuing behind a remote peer counts that hop once.
 * Stops counting past `atMost`.
 */
export function forkDepth(ctx: EngineContext, record: StreamRecord, atMost: number): number {
  let depth = 0;
  let current: StreamRecord | undefined = record;
  while (current !== undefined && current.fork !== null && depth <= atMost) {
    depth++;
    current = localSource(ctx, current);
  }
  return depth;
}
