/** Strict parsing of the protocol's request headers into typed values or 400s. */

import {
  DEFAULT_CONTENT_TYPE,
  isValidContentType,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_SEQ_HEADER,
  parseNonNegativeInteger,
  parseRfc3339,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_TTL_HEADER,
} from "@durastream/protocol";
import type { ProducerTuple } from "../ports/store.js";
import { badRequest } from "./errors.js";
import type { EngineRequest } from "./http-types.js";

/** Requested lifetime of a new stream. */
export interface Lifetime {
  readonly ttlSeconds: number | null;
  readonly expiresAt: number | null;
}

/** `Stream-TTL` / `Stream-Expires-At`: at most one, each strictly formed. */
export function parseLifetime(request: EngineRequest): Lifetime {
  const ttl = request.header(STREAM_TTL_HEADER);
  const expires = request.header(STREAM_EXPIRES_AT_HEADER);
  if (ttl !== null && expires !== null) {
    throw badRequest("INVALID_HEADER", "Stream-TTL and Stream-Expires-At are mutually exclusive");
  }
  if (ttl !== null) {
    const seconds = parseNonNegativeInteger(ttl.trim());
    if (seconds === undefined) {
      throw badRequest("INVALID_HEADER", "Stream-TTL must be a non-negative integer of seconds");
    }
    return { ttlSeconds: seconds, expiresAt: null };
  }
  if (expires !== null) {
    const at = parseRfc3339(expires.trim());
    if (at === undefined) {
      throw badRequest("INVALID_HEADER", "Stream-Expires-At must be an RFC 3339 timestamp");
    }
    return { ttlSeconds: null, expiresAt: at };
  }
  return { ttlSeconds: null, expiresAt: null };
}

/** The request's Content-Type (trimmed), or null; 400 when present but not a media type. */
export function parseContentType(request: EngineRequest): string | null {
  const raw = request.header("content-type");
  if (raw === null || raw.trim() === "") return null;
  const value = raw.trim();
  if (!isValidContentType(value)) {
    throw badRequest("INVALID_HEADER", `invalid Content-Type: ${value}`);
  }
  return value;
}

/** Content-Type of a new stream: the request's, or the default. */
export function creationContentType(request: EngineRequest): string {
  return parseContentType(request) ?? DEFAULT_CONTENT_TYPE;
}

const utf8 = new TextEncoder();

/** Producer headers: all three or none (Section 5.2.1). */
export function parseProducer(request: EngineRequest, maxIdBytes: number): ProducerTuple | null {
  const id = request.header(PRODUCER_ID_HEADER);
  const epoch = request.header(PRODUCER_EPOCH_HEADER);
  const seq = request.header(PRODUCER_SEQ_HEADER);
  if (id === null && epoch === null && seq === null) return null;
  if (id === null || epoch === null || seq === null) {
    throw badRequest(
      "INVALID_HEADER",
      "Producer-Id, Producer-Epoch and Producer-Seq must be sent together",
    );
  }
  if (id.trim() === "") throw badRequest("INVALID_HEADER", "Producer-Id must not be empty");
  // Characters first: no string of fewer characters than the limit is over it in bytes.
  if (id.length > maxIdBytes || utf8.encode(id).length > maxIdBytes) {
    throw badRequest(
      "PRODUCER_ID_TOO_LONG",
      `Producer-Id is longer than ${maxIdBytes} bytes (the server's --max-producer-id-bytes)`,
    );
  }
  const epochValue = parseNonNegativeInteger(epoch.trim());
  if (epochValue === undefined) {
    throw badRequest("INVALID_HEADER", "Producer-Epoch must be a non-negative integer ≤ 2^53-1");
  }
  const seqValue = parseNonNegativeInteger(seq.trim());
  if (seqValue === undefined) {
    throw badRequest("INVALID_HEADER", "Producer-Seq must be a non-negative integer ≤ 2^53-1");
  }
  return { producerId: id, epoch: epochValue, seq: seqValue };
}
