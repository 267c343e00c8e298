/**
 * Retention settings: the `Stream-Retention-*` header extension on create,
 * strictly parsed, and the policy that applies to a stream (its own settings
 * over the server's defaults).
 */

import {
  parseNonNegativeInteger,
  STREAM_RETENTION_MAX_AGE_HEADER,
  STREAM_RETENTION_MAX_BYTES_HEADER,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { badRequest } from "../http/errors.js";
import type { EngineRequest } from "../http/http-types.js";
import type { RetentionPolicy, StreamRecord } from "../ports/store.js";

/** A positive integer header, or null when absent; 400 when malformed. */
function positiveHeader(request: EngineRequest, name: string, unit: string): number | null {
  const raw = request.header(name);
  if (raw === null) return null;
  const value = parseNonNegativeInteger(raw.trim());
  if (value === undefined || value === 0) {
    throw badRequest("INVALID_HEADER", `${name} must be a positive integer of ${unit}`);
  }
  return value;
}

/**
 * The request's retention settings, or null when it sends none. 400
 * `INVALID_HEADER` for a value that is not a positive decimal integer.
 */
export function parseRetention(request: EngineRequest): RetentionPolicy | null {
  const maxBytes = positiveHeader(request, STREAM_RETENTION_MAX_BYTES_HEADER, "bytes");
  const maxAgeSeconds = positiveHeader(request, STREAM_RETENTION_MAX_AGE_HEADER, "seconds");
  if (maxBytes === null && maxAgeSeconds === null) return null;
  return { maxBytes, maxAgeSeconds };
}

/** Whether two streams' retention settings are the same (idempotent create). */
export function sameRetention(a: RetentionPolicy | null, b: RetentionPolicy | null): boolean {
  if (a === null || b === null) return a === b;
  return a.maxBytes === b.maxBytes && a.maxAgeSeconds === b.maxAgeSeconds;
}

/**
 * The limits that apply to `record`: each of its own settings, else the
 * server default of that kind. Null when nothing limits it.
 */
export function effectiveRetention(
  ctx: Pick<EngineContext, "options">,
  record: StreamRecord,
): RetentionPolicy | null {
  const maxBytes = record.retention?.maxBytes ?? ctx.options.retentionMaxBytes;
  const maxAgeSeconds = record.retention?.maxAgeSeconds ?? ctx.options.retentionMaxAgeSeconds;
  if (maxBytes === null && maxAgeSeconds === null) return null;
  return { maxBytes, maxAgeSeconds };
}
