/** HEAD: metadata without a body; never resets the TTL, never cached (Section 5.5). */

import {
  encodeOffset,
  STREAM_CLOSED_HEADER,
  STREAM_EARLIEST_OFFSET_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_RETENTION_MAX_AGE_HEADER,
  STREAM_RETENTION_MAX_BYTES_HEADER,
  STREAM_TTL_HEADER,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { requireStream } from "../lifecycle/stream-lifecycle.js";

/** Handles HEAD on a stream path. */
export function headStream(ctx: EngineContext, request: EngineRequest): EngineResponse {
  const record = requireStream(ctx, request.path);
  const headers: Record<string, string> = {
    "content-type": record.contentType,
    [STREAM_OFFSET_HEADER]: encodeOffset(record.visibleTail),
    "cache-control": "no-store",
    [STREAM_EARLIEST_OFFSET_HEADER]: encodeOffset(record.earliest),
  };
  const retention = record.retention;
  if (retention?.maxBytes != null) {
    headers[STREAM_RETENTION_MAX_BYTES_HEADER] = String(retention.maxBytes);
  }
  if (retention?.maxAgeSeconds != null) {
    headers[STREAM_RETENTION_MAX_AGE_HEADER] = String(retention.maxAgeSeconds);
  }
  if (record.ttlSeconds !== null) headers[STREAM_TTL_HEADER] = String(record.ttlSeconds);
  if (record.expiresAt !== null) {
    headers[STREAM_EXPIRES_AT_HEADER] = new Date(record.expiresAt).toISOString();
  }
  if (record.visibleClosed) headers[STREAM_CLOSED_HEADER] = "true";
  return { status: 200, headers, body: null };
}
