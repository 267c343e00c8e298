/**
 * The rows one append batch writes inside its group's transaction: one chunk
 * row with the batch's bytes, the stream row's new tail (and what else moved),
 * and the latest state of each producer that appended.
 */

import { expiryOf } from "@durastream/server-core";
import type { StoreStatements } from "../store-statements.js";
import type { TailCache } from "../tail-cache.js";
import type { AppendBatch } from "./append-batch.js";

/** Writes `batch` and keeps its bytes in the hot tail. Runs inside the group's transaction. */
export function writeAppendBatch(
  sql: StoreStatements,
  tailCache: TailCache,
  batch: AppendBatch,
): void {
  const record = batch.record;
  const id = record.id;
  const data = batch.data();
  const state = batch.state;
  if (data) {
    sql.insertChunk.run(id, state.tail, batch.start, data, batch.ends(), state.lastAccessAt);
    tailCache.add(id, batch.start, data);
  }
  if (!state.closed && state.lastStreamSeq === null && record.ttlSeconds === null) {
    // Nothing else of the row moves: closed and closed_by stay as created
    // (open, none), last_stream_seq stays null, and without a sliding TTL
    // expiry_due is the fixed expires_at the row already holds.
    sql.updateTail.run(state.tail, state.lastAccessAt, id);
  } else {
    sql.updateAfterAppend.run({
      id,
      tail: state.tail,
      closed: state.closed ? 1 : 0,
      closedByProducer: state.closedBy?.producerId ?? null,
      closedByEpoch: state.closedBy?.epoch ?? null,
      closedBySeq: state.closedBy?.seq ?? null,
      lastStreamSeq: state.lastStreamSeq,
      lastAccessAt: state.lastAccessAt,
      expiryDue: expiryOf({
        ttlSeconds: record.ttlSeconds,
        expiresAt: record.expiresAt,
        lastAccessAt: state.lastAccessAt,
      }),
    });
  }
  for (const [producerId, producer] of batch.producers) {
    sql.upsertProducer.run(
      id,
      producerId,
      producer.epoch,
      producer.lastSeq,
      producer.updatedAt ?? state.lastAccessAt,
    );
  }
}
