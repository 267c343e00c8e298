/** Builds the record of a newly created stream, shared by every store. */

import type { NewStream, StreamRecord } from "../ports/store.js";

/**
 * The record for `init` with internal id `id`. A fork's own data starts at
 * its fork position. `durableNow` says whether the store's writes are durable
 * at once (memory) or only after a commit (then nothing is visible yet).
 */
export function newStreamRecord(id: number, init: NewStream, durableNow: boolean): StreamRecord {
  const start = init.fork?.position ?? 0;
  const tail = start + (init.initialData?.length ?? 0);
  return {
    id,
    path: init.path,
    contentType: init.contentType,
    createdAt: init.now,
    ttlSeconds: init.ttlSeconds,
    expiresAt: init.expiresAt,
    lastAccessAt: init.now,
    tail,
    closed: init.closed,
    closedBy: null,
    lastStreamSeq: null,
    visibleTail: durableNow ? tail : start,
    visibleClosed: durableNow && init.closed,
    fork: init.fork,
    retention: init.retention ?? null,
    earliest: init.earliest ?? 0,
    forkCount: 0,
    softDeleted: false,
    durable: Promise.resolve(),
  };
}
