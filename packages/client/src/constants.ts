/**
 * Protocol names re-exported under the same names as `@durable-streams/client`,
 * plus the client-side constants that only the client needs.
 */

export {
  CURSOR_QUERY_PARAM,
  DURABLE_STREAM_PROTOCOL_QUERY_PARAMS,
  LIVE_QUERY_PARAM,
  OFFSET_QUERY_PARAM,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  PRODUCER_SEQ_HEADER,
  SSE_CLOSED_FIELD,
  SSE_CURSOR_FIELD,
  SSE_OFFSET_FIELD,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_SEQ_HEADER,
  STREAM_SSE_DATA_ENCODING_HEADER,
  STREAM_TTL_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "@durastream/protocol";

/**
 * Content-type prefixes whose SSE data events carry UTF-8 text. Every other
 * content type is carried as base64 (`stream-sse-data-encoding: base64`).
 */
export const SSE_COMPATIBLE_CONTENT_TYPES: ReadonlyArray<string> = ["text/", "application/json"];
