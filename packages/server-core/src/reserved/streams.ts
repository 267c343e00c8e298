/**
 * `GET {stream root}/__ds/streams?prefix=&limit=&cursor=`: durastream's
 * stream listing extension. Live streams (not soft-deleted, not expired) in
 * byte order of their paths, a page at a time, over the store's path index.
 * Listing reads metadata only: it never resets a stream's TTL.
 */

import { encodeOffset, type ListedStream, type ListingPage } from "@durastream/protocol";
import { badRequest } from "../http/errors.js";
import type { EngineResponse } from "../http/http-types.js";
import type { StreamStore, StreamSummary } from "../ports/store.js";
import { expiryOf } from "../storage/expiry.js";
import { pathSuccessor } from "../storage/path-order.js";
import { decodeListingCursor, encodeListingCursor } from "./listing-cursor.js";
import type { ReservedCall, ReservedRoute } from "./route-types.js";
import { isReservedPath } from "./router.js";

/** Page size when `limit` is absent. */
export const DEFAULT_LISTING_LIMIT = 100;
/** Largest accepted `limit`. */
export const MAX_LISTING_LIMIT = 1000;
/** Longest accepted `prefix` (the longest stream path). */
const MAX_PREFIX_LENGTH = 1024;

export type { ListedStream, ListingPage };

/** The routes of the listing extension. */
export const streamListingRoutes: readonly ReservedRoute[] = [
  { pattern: "streams", methods: { GET: { handle: listStreamsRoute } } },
];

const encoder = new TextEncoder();

function listStreamsRoute({ ctx, request, access }: ReservedCall): EngineResponse {
  // Only streams the caller may read are listed; the others are left out, not refused.
  const visible =
    access === null || access.isFull ? null : (path: string) => access.allows("read", path);
  const page = listingPage(request.query, ctx.store, ctx.clock.now(), visible);
  return {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: [encoder.encode(JSON.stringify(page))],
  };
}

/** Where a listing reads stream summaries from: a stream store, or a runtime's path index. */
export type ListingSource = Pick<StreamStore, "listFrom">;

/**
 * The listing page a `GET __ds/streams` query asks for (`prefix`, `limit`,
 * `cursor`), read from `source`; throws a 400 `ProtocolError` on a bad query.
 * Runtimes whose path index is not the engine's store (the registry object
 * on Cloudflare) answer the route with this, so the contract is one code path.
 */
export function listingPage(
  query: URLSearchParams,
  source: ListingSource,
  now: number,
  visible: ((path: string) => boolean) | null = null,
): ListingPage {
  const prefix = query.get("prefix") ?? "";
  if (prefix.length > MAX_PREFIX_LENGTH) throw badRequest("BAD_REQUEST", "prefix too long");
  const limit = parseLimit(query.get("limit"));
  const cursor = query.get("cursor");
  const after = cursor === null ? null : decodeListingCursor(cursor);
  return listStreams(source, now, prefix, limit, after, visible);
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LISTING_LIMIT;
  if (!/^[0-9]{1,4}$/.test(raw)) {
    throw badRequest("BAD_REQUEST", `limit must be an integer from 1 to ${MAX_LISTING_LIMIT}`);
  }
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_LISTING_LIMIT) {
    throw badRequest("BAD_REQUEST", `limit must be an integer from 1 to ${MAX_LISTING_LIMIT}`);
  }
  return limit;
}

/**
 * One page of live streams under `prefix`, after the path `after` (exclusive).
 * Expired and soft-deleted streams are skipped; so that a backlog of them
 * cannot make one request scan without end, a page examines at most
 * `10 × limit` streams and may then come back short, with a cursor.
 */
export function listStreams(
  source: ListingSource,
  now: number,
  prefix: string,
  limit: number,
  after: string | null,
  visible: ((path: string) => boolean) | null = null,
): ListingPage {
  const streams: ListedStream[] = [];
  let from = after === null ? prefix : pathSuccessor(after);
  let budget = limit * 10;
  for (;;) {
    // One more than needed: a live stream past the page says another page exists.
    const size = Math.min(limit + 1, budget);
    const batch = source.listFrom(from, prefix, size);
    budget -= batch.length;
    for (const summary of batch) {
      if (!isLive(summary, now) || isReservedPath(summary.path)) continue;
      if (visible !== null && !visible(summary.path)) continue;
      if (streams.length === limit) {
        return { streams, nextCursor: encodeListingCursor(streams[limit - 1]!.path) };
      }
      streams.push(describe(summary));
    }
    if (batch.length < size) return { streams, nextCursor: null };
    const last = batch[batch.length - 1]!.path;
    if (budget <= 0) return { streams, nextCursor: encodeListingCursor(last) };
    from = pathSuccessor(last);
  }
}

function isLive(summary: StreamSummary, now: number): boolean {
  if (summary.softDeleted) return false;
  const expiry = expiryOf(summary);
  return expiry === null || now < expiry;
}

function describe(summary: StreamSummary): ListedStream {
  const fork = summary.fork;
  return {
    path: summary.path,
    contentType: summary.contentType,
    nextOffset: encodeOffset(summary.visibleTail),
    bytes: summary.visibleTail,
    closed: summary.visibleClosed,
    createdAt: new Date(summary.createdAt).toISOString(),
    expiresAt: summary.expiresAt === null ? null : new Date(summary.expiresAt).toISOString(),
    ttlSeconds: summary.ttlSeconds,
    forkedFrom: fork ? { path: fork.sourcePath, offset: encodeOffset(fork.position) } : null,
  };
}
