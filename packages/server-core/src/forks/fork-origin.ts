/**
 * Fork creation (Section 4.2): resolves `Stream-Forked-From`,
 * `Stream-Fork-Offset` and `Stream-Fork-Sub-Offset` into a source stream and
 * an exact fork position.
 */

import {
  decodeOffset,
  isJsonContentType,
  parseNonNegativeInteger,
  STREAM_FORK_OFFSET_HEADER,
  STREAM_FORK_SUB_OFFSET_HEADER,
  STREAM_FORKED_FROM_HEADER,
  storedJsonPrefixLength,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { badRequest, ProtocolError } from "../http/errors.js";
import type { EngineRequest } from "../http/http-types.js";
import { findStream } from "../operations/lifecycle.js";
import type { ForkOrigin, StreamRecord } from "../ports/store.js";
import { readRange } from "../reads/read-range.js";
import { concat } from "../reads/read-result.js";

/** A resolved fork request. */
export interface ForkRequest {
  readonly source: StreamRecord;
  readonly origin: ForkOrigin;
}

/** The stream-root-relative path named by `Stream-Forked-From`. */
export function forkSourcePath(ctx: EngineContext, value: string): string {
  let path = value.trim();
  const base = ctx.basePath.replace(/\/+$/, "");
  if (base !== "" && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length);
  path = path.replace(/^\/+/, "");
  // A URL path component: percent-encoded like the request path it names.
  try {
    return path.includes("%") ? path.split("/").map(decodeURIComponent).join("/") : path;
  } catch {
    throw badRequest("INVALID_HEADER", "Stream-Forked-From has malformed percent-encoding");
  }
}

/**
 * The fork a PUT asks for, or null when it asks for none. Throws 400 for
 * malformed or out-of-range fork headers, 404 for an unknown source and 409
 * for a soft-deleted one.
 */
export function resolveForkRequest(ctx: EngineContext, request: EngineRequest): ForkRequest | null {
  const from = request.header(STREAM_FORKED_FROM_HEADER);
  const offsetHeader = request.header(STREAM_FORK_OFFSET_HEADER);
  const subHeader = request.header(STREAM_FORK_SUB_OFFSET_HEADER);
  if (from === null) {
    if (offsetHeader !== null || subHeader !== null) {
      throw badRequest(
        "INVALID_HEADER",
        "Stream-Fork-Offset and Stream-Fork-Sub-Offset require Stream-Forked-From",
      );
    }
    return null;
  }
  const subOffset = subHeader === null ? 0 : parseNonNegativeInteger(subHeader.trim());
  if (subOffset === undefined) {
    throw badRequest("INVALID_OFFSET", "Stream-Fork-Sub-Offset must be a non-negative integer");
  }
  let anchor: number | undefined;
  if (offsetHeader !== null) {
    anchor = decodeOffset(offsetHeader.trim());
    if (anchor === undefined) {
      throw badRequest("INVALID_OFFSET", `malformed Stream-Fork-Offset: ${offsetHeader}`);
    }
  }
  const path = forkSourcePath(ctx, from);
  const source = findStream(ctx, path);
  if (!source) {
    throw new ProtocolError(404, "FORK_SOURCE_NOT_FOUND", `fork source not found: ${path}`);
  }
  if (source.softDeleted) {
    throw new ProtocolError(409, "STREAM_GONE", `fork source was deleted: ${path}`);
  }
  const tail = source.visibleTail;
  const position = anchor ?? tail;
  if (position > tail) {
    throw badRequest("INVALID_OFFSET", "Stream-Fork-Offset is beyond the source stream's tail");
  }
  const forkPosition =
    subOffset === 0 ? position : position + subOffsetBytes(ctx, source, position, subOffset);
  return {
    source,
    origin: {
      sourceId: source.id,
      position: forkPosition,
      requestedOffset: offsetHeader?.trim() ?? "",
      requestedSubOffset: subOffset,
    },
  };
}

/**
 * Bytes covered by `subOffset` past `position`, inside the stored unit (one
 * append) that starts there: messages for JSON, bytes otherwise. 400 when it
 * overshoots the next data boundary.
 */
function subOffsetBytes(
  ctx: EngineContext,
  source: StreamRecord,
  position: number,
  subOffset: number,
): number {
  const overshoot = () =>
    badRequest("INVALID_OFFSET", "Stream-Fork-Sub-Offset is past the next data boundary");
  if (position >= source.visibleTail) throw overshoot();
  const boundary = appendEndAt(ctx, source, position);
  if (boundary === undefined) throw overshoot();
  const first = concat(
    readRange(ctx.store, source, position, boundary, boundary - position).chunks,
  );
  if (isJsonContentType(source.contentType)) {
    const length = storedJsonPrefixLength(first, subOffset);
    if (length === undefined) throw overshoot();
    return length;
  }
  if (subOffset > first.length) throw overshoot();
  return subOffset;
}

/** The data boundary after `position`: the end of the append that wrote it, across fork chains. */
function appendEndAt(
  ctx: EngineContext,
  record: StreamRecord,
  position: number,
): number | undefined {
  const fork = record.fork;
  if (fork !== null && position < fork.position) {
    const source = ctx.store.getById(fork.sourceId);
    const end = source ? appendEndAt(ctx, source, position) : undefined;
    return end === undefined ? undefined : Math.min(end, fork.position);
  }
  return ctx.store.appendEnd(record, position);
}
