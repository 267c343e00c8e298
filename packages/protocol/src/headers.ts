/**
 * Header, query-parameter and SSE field names of the Durable Streams protocol.
 * Names follow the spec so a reader of PROTOCOL.md recognises every one.
 */

/** Response header: the offset to read from next (the tail offset on writes). */
export const STREAM_OFFSET_HEADER = "Stream-Next-Offset";
/** Response header: cursor for CDN collapsing on live reads. */
export const STREAM_CURSOR_HEADER = "Stream-Cursor";
/** Response header: present (`true`) when the response reached the tail. */
export const STREAM_UP_TO_DATE_HEADER = "Stream-Up-To-Date";
/** Request/response header: `true` closes the stream or reports it closed. */
export const STREAM_CLOSED_HEADER = "Stream-Closed";
/** Request header: lexicographic writer sequence (Section 5.2). */
export const STREAM_SEQ_HEADER = "Stream-Seq";
/** Request/response header: sliding time-to-live in seconds. */
export const STREAM_TTL_HEADER = "Stream-TTL";
/** Request/response header: absolute expiry as RFC 3339. */
export const STREAM_EXPIRES_AT_HEADER = "Stream-Expires-At";
/** durastream extension, create: keep at least the newest N bytes (positive integer). */
export const STREAM_RETENTION_MAX_BYTES_HEADER = "Stream-Retention-Max-Bytes";
/** durastream extension, create: trim data older than N seconds (positive integer). */
export const STREAM_RETENTION_MAX_AGE_HEADER = "Stream-Retention-Max-Age";
/** durastream extension, HEAD: the earliest retained offset (reads before it answer 410). */
export const STREAM_EARLIEST_OFFSET_HEADER = "Stream-Earliest-Offset";
/** Fork creation: path of the source stream. */
export const STREAM_FORKED_FROM_HEADER = "Stream-Forked-From";
/** Fork creation: divergence offset in the source stream. */
export const STREAM_FORK_OFFSET_HEADER = "Stream-Fork-Offset";
/** Fork creation: sub-position past the fork offset (messages for JSON, bytes otherwise). */
export const STREAM_FORK_SUB_OFFSET_HEADER = "Stream-Fork-Sub-Offset";
/** Idempotent producer: stable producer identity. */
export const PRODUCER_ID_HEADER = "Producer-Id";
/** Idempotent producer: client-declared epoch. */
export const PRODUCER_EPOCH_HEADER = "Producer-Epoch";
/** Idempotent producer: per-request sequence number within the epoch. */
export const PRODUCER_SEQ_HEADER = "Producer-Seq";
/** On 409 sequence gap: the sequence the server expected. */
export const PRODUCER_EXPECTED_SEQ_HEADER = "Producer-Expected-Seq";
/** On 409 sequence gap: the sequence the server received. */
export const PRODUCER_RECEIVED_SEQ_HEADER = "Producer-Received-Seq";
/** SSE response header: `base64` when data events carry base64 text. */
export const STREAM_SSE_DATA_ENCODING_HEADER = "stream-sse-data-encoding";

/** Query parameter: start offset of a read. */
export const OFFSET_QUERY_PARAM = "offset";
/** Query parameter: live mode (`long-poll` or `sse`). */
export const LIVE_QUERY_PARAM = "live";
/** Query parameter: echoed cursor. */
export const CURSOR_QUERY_PARAM = "cursor";

/** SSE control event field: next offset. */
export const SSE_OFFSET_FIELD = "streamNextOffset";
/** SSE control event field: cursor. */
export const SSE_CURSOR_FIELD = "streamCursor";
/** SSE control event field: caught up. */
export const SSE_UP_TO_DATE_FIELD = "upToDate";
/** SSE control event field: stream closed (EOF). */
export const SSE_CLOSED_FIELD = "streamClosed";

/** Query parameters that belong to the protocol (a client must not let users override them). */
export const DURABLE_STREAM_PROTOCOL_QUERY_PARAMS: ReadonlyArray<string> = [
  OFFSET_QUERY_PARAM,
  LIVE_QUERY_PARAM,
  CURSOR_QUERY_PARAM,
];

/** Response headers a browser client must be able to read (CORS `Access-Control-Expose-Headers`). */
export const EXPOSED_RESPONSE_HEADERS: ReadonlyArray<string> = [
  STREAM_OFFSET_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_UP_TO_DATE_HEADER,
  STREAM_CLOSED_HEADER,
  STREAM_TTL_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_EARLIEST_OFFSET_HEADER,
  STREAM_RETENTION_MAX_BYTES_HEADER,
  STREAM_RETENTION_MAX_AGE_HEADER,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_SEQ_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  STREAM_SSE_DATA_ENCODING_HEADER,
  "ETag",
  "Location",
  "Content-Type",
  "Retry-After",
];
