/**
 * The `streams` table both SQL stores keep (the Node server's SQLite file and
 * a Cloudflare object's `ctx.storage.sql`), and how one of its rows becomes a
 * record or a listing summary. Dialect-neutral: row shapes only, no
 * driver, so either runtime imports it. What differs between the
 * two stays with each store: where the tail comes from (a column on Node, the
 * last chunk on Cloudflare), how a fork names its source (a row id joined to
 * its path on Node, both stored on Cloudflare), retention columns, chunks.
 */

import type {
  ForkOrigin,
  ProducerTuple,
  RetentionPolicy,
  StreamRecord,
  StreamSummary,
} from "../ports/store.js";

/** The fork columns of a `streams` row (the source's path, joined or stored). */
export interface ForkColumns {
  fork_source_path: string | null;
  fork_position: number | null;
  fork_offset: string | null;
  fork_sub_offset: number | null;
}

/** The columns of a `streams` row both stores have, by the same names. */
export interface StreamColumns extends ForkColumns {
  id: number;
  path: string;
  content_type: string;
  created_at: number;
  ttl_seconds: number | null;
  expires_at: number | null;
  last_access_at: number;
  closed: number;
  closed_by_producer: string | null;
  closed_by_epoch: number | null;
  closed_by_seq: number | null;
  last_stream_seq: string | null;
  fork_count: number;
  soft_deleted: number;
}

/** The producer request that closed the stream, or null. */
export function closedByOfRow(
  row: Pick<StreamColumns, "closed_by_producer" | "closed_by_epoch" | "closed_by_seq">,
): ProducerTuple | null {
  if (row.closed_by_producer === null) return null;
  return {
    producerId: row.closed_by_producer,
    epoch: row.closed_by_epoch ?? 0,
    seq: row.closed_by_seq ?? 0,
  };
}

/**
 * A row's fork origin, or null for a root stream. `sourceId` is the source's
 * id as the store knows it (null: not a fork).
 */
export function forkOfRow(sourceId: number | null, row: ForkColumns): ForkOrigin | null {
  if (sourceId === null) return null;
  return {
    sourceId,
    sourcePath: row.fork_source_path ?? "",
    position: row.fork_position ?? 0,
    requestedOffset: row.fork_offset ?? "",
    requestedSubOffset: row.fork_sub_offset ?? 0,
  };
}

/** What a store adds to the shared columns to make a record. */
export interface RowState {
  /** The durable tail. */
  readonly tail: number;
  readonly fork: ForkOrigin | null;
  readonly retention: RetentionPolicy | null;
  readonly earliest: number;
  readonly durable: Promise<void>;
}

/** The record of a stored (hence durable) `streams` row. */
export function recordOfRow(row: StreamColumns, state: RowState): StreamRecord {
  return {
    id: row.id,
    path: row.path,
    contentType: row.content_type,
    createdAt: row.created_at,
    ttlSeconds: row.ttl_seconds,
    expiresAt: row.expires_at,
    lastAccessAt: row.last_access_at,
    tail: state.tail,
    closed: row.closed === 1,
    closedBy: closedByOfRow(row),
    lastStreamSeq: row.last_stream_seq,
    visibleTail: state.tail,
    visibleClosed: row.closed === 1,
    fork: state.fork,
    forkCount: row.fork_count,
    softDeleted: row.soft_deleted === 1,
    retention: state.retention,
    earliest: state.earliest,
    durable: state.durable,
  };
}

/** The columns a listing summary shows. */
export type SummaryColumns = Pick<
  StreamColumns,
  | "path"
  | "content_type"
  | "created_at"
  | "ttl_seconds"
  | "expires_at"
  | "last_access_at"
  | "closed"
  | "soft_deleted"
>;

/** The listing summary of a stored row. */
export function summaryOfRow(
  row: SummaryColumns,
  tail: number,
  fork: ForkOrigin | null,
): StreamSummary {
  return {
    path: row.path,
    contentType: row.content_type,
    createdAt: row.created_at,
    ttlSeconds: row.ttl_seconds,
    expiresAt: row.expires_at,
    lastAccessAt: row.last_access_at,
    visibleTail: tail,
    visibleClosed: row.closed === 1,
    fork,
    softDeleted: row.soft_deleted === 1,
  };
}
