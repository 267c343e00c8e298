/** Catch-up reads and the headers every data-bearing read response carries (Sections 5.6, 10). */

import {
  encodeOffset,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { etagMatches, readEtag } from "../http/response-headers.js";
import type { StreamRecord } from "../ports/store.js";
import { expiryOf } from "../storage/expiry.js";
import { httpReadBody, type ReadResult, readAt } from "./read-result.js";

/** `Cache-Control` of a cacheable read: at most 60 s, and never past the stream's expiry. */
export function cacheControl(ctx: EngineContext, record: StreamRecord): string {
  const expiry = expiryOf(record);
  let maxAge = 60;
  if (expiry !== null) {
    maxAge = Math.min(maxAge, Math.max(0, Math.floor((expiry - ctx.clock.now()) / 1000)));
  }
  return `${ctx.options.cacheVisibility}, max-age=${maxAge}, stale-while-revalidate=300`;
}

/** Headers of a `200` read response for `result` (cursor only on live reads). */
export function readHeaders(
  ctx: EngineContext,
  result: ReadResult,
  cursor: string | null,
): Record<string, string> {
  const { record, range } = result;
  const headers: Record<string, string> = {
    "content-type": record.contentType,
    [STREAM_OFFSET_HEADER]: encodeOffset(range.end),
    etag: readEtag(record.id, range.start, range.end, result.closed),
    "cache-control": range.end > range.start ? cacheControl(ctx, record) : "no-store",
  };
  if (result.upToDate) headers[STREAM_UP_TO_DATE_HEADER] = "true";
  if (result.closed) headers[STREAM_CLOSED_HEADER] = "true";
  else if (cursor !== null) headers[STREAM_CURSOR_HEADER] = cursor;
  return headers;
}

/** A catch-up read from `position`; 304 when `If-None-Match` names the same read. */
export function catchUpRead(
  ctx: EngineContext,
  request: EngineRequest,
  record: StreamRecord,
  position: number,
): EngineResponse | Promise<EngineResponse> {
  const result = readAt(ctx, record, position);
  if (result instanceof Promise) return result.then((read) => catchUpResponse(ctx, request, read));
  return catchUpResponse(ctx, request, result);
}

function catchUpResponse(
  ctx: EngineContext,
  request: EngineRequest,
  result: ReadResult,
): EngineResponse {
  const headers = readHeaders(ctx, result, null);
  if (etagMatches(request.header("if-none-match"), headers.etag!)) {
    return {
      status: 304,
      headers: { etag: headers.etag!, "cache-control": headers["cache-control"]! },
      body: null,
    };
  }
  return {
    status: 200,
    headers,
    body: httpReadBody(result.record.contentType, result.range.chunks),
  };
}

/** `offset=now` without `live`: no data, the tail, never cached (Section 8). */
export function tailRead(record: StreamRecord): EngineResponse {
  const headers: Record<string, string> = {
    "content-type": record.contentType,
    [STREAM_OFFSET_HEADER]: encodeOffset(record.visibleTail),
    [STREAM_UP_TO_DATE_HEADER]: "true",
    "cache-control": "no-store",
  };
  if (record.visibleClosed) headers[STREAM_CLOSED_HEADER] = "true";
  return { status: 200, headers, body: httpReadBody(record.contentType, []) };
}
