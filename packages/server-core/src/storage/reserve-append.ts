/** An append's effect on a stream's record, shared by every store. */

import type { AppendWrite, StreamRecord } from "../ports/store.js";

/**
 * Applies `write` to the reserved state of `record` (tail, closure, last
 * `Stream-Seq`, last access) at once, before it is durable, so the next
 * request validates against it. Returns the position where its data starts.
 * What readers see (`visibleTail`, `visibleClosed`) is the store's to move.
 */
export function reserveAppend(record: StreamRecord, write: AppendWrite): number {
  const start = record.tail;
  if (write.data) record.tail += write.data.length;
  if (write.close) {
    record.closed = true;
    record.closedBy = write.producer
      ? {
          producerId: write.producer.producerId,
          epoch: write.producer.epoch,
          seq: write.producer.seq,
        }
      : null;
  }
  if (write.streamSeq !== null) record.lastStreamSeq = write.streamSeq;
  record.lastAccessAt = write.now;
  return start;
}
