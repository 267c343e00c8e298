/** Where retention lets a stream be trimmed to: the rule, independent of the store. */

import type { RetentionPolicy, RetentionStore, StreamRecord } from "../ports/store.js";

/**
 * The position below which `record`'s stored data may go under `policy` at
 * `now`: past the newest `maxBytes`, or written more than `maxAgeSeconds`
 * ago, whichever reaches further; never past the visible tail (unacknowledged
 * data is not the reader's yet) nor into the range its forks still read from
 * it (a fork keeps what it references). The store trims whole chunks below it.
 */
export function trimTarget(
  store: RetentionStore,
  record: StreamRecord,
  policy: RetentionPolicy,
  now: number,
): number {
  let target = record.earliest;
  if (policy.maxBytes !== null) target = Math.max(target, record.visibleTail - policy.maxBytes);
  if (policy.maxAgeSeconds !== null) {
    target = Math.max(target, store.agedEnd(record, now - policy.maxAgeSeconds * 1000));
  }
  return capTrim(store, record, target);
}

/**
 * `target` capped as every trim is: never past the visible tail, never into
 * the range the stream's forks still read from it.
 */
export function capTrim(store: RetentionStore, record: StreamRecord, target: number): number {
  let capped = Math.min(target, record.visibleTail);
  if (capped > record.earliest && record.forkCount > 0) {
    const floor = store.forkFloor(record);
    if (floor !== null) capped = Math.min(capped, floor);
  }
  return capped;
}
