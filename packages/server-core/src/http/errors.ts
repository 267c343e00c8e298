/** Protocol errors: a status, a machine-readable code and a short message. */

/** Machine-readable error codes in `{"error":{"code":...}}` bodies. */
export type ErrorCode =
  | "BAD_REQUEST"
  | "INVALID_HEADER"
  | "INVALID_OFFSET"
  | "INVALID_JSON"
  | "EMPTY_BODY"
  | "EMPTY_ARRAY"
  | "NOT_FOUND"
  | "UNAUTHORIZED"
  | "TOKEN_EXPIRED"
  | "FORBIDDEN"
  | "STALE_EPOCH"
  | "STREAM_NOT_FOUND"
  | "FORK_SOURCE_NOT_FOUND"
  | "FORK_TOO_DEEP"
  | "PRODUCER_ID_TOO_LONG"
  | "NOT_FOUND"
  | "RESERVED_PATH"
  | "METHOD_NOT_ALLOWED"
  | "STREAM_EXISTS"
  | "STREAM_CLOSED"
  | "CONTENT_TYPE_MISMATCH"
  | "SEQUENCE_CONFLICT"
  | "PRODUCER_SEQ_GAP"
  | "STREAM_GONE"
  | "OFFSET_GONE"
  | "RETENTION_UNSUPPORTED"
  | "STORAGE_FULL"
  | "STORAGE_UNAVAILABLE"
  | "PAYLOAD_TOO_LARGE"
  | "STORAGE_LIMIT"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "OVERLOADED"
  | "INTERNAL";

/** An error the engine turns into a 4xx/5xx response with a JSON body. */
export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

export const badRequest = (code: ErrorCode, message: string) =>
  new ProtocolError(400, code, message);
export const notFound = (path: string) =>
  new ProtocolError(404, "STREAM_NOT_FOUND", `stream not found: ${path}`);
export const gone = (path: string) =>
  new ProtocolError(410, "STREAM_GONE", `stream was deleted: ${path}`);
