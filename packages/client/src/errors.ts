/**
 * Error classes of the client. Names, constructor signatures and fields match
 * `@durable-streams/client`; every HTTP failure additionally carries a
 * `DurableStreamErrorCode` and a `statusCode` alias of `status`.
 */

import type { DurableStreamErrorCode } from "./types.js";

/** The error code for an HTTP status, in the context of one operation. */
export function codeForStatus(status: number, operation?: string): DurableStreamErrorCode {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 409:
      return operation === "create" ? "CONFLICT_EXISTS" : "CONFLICT_SEQ";
    case 429:
      return "RATE_LIMITED";
    case 503:
      return "BUSY";
    default:
      return "UNKNOWN";
  }
}

/**
 * Protocol-level error with a machine-readable `code` and, when it came from
 * an HTTP response, the response `status` (also readable as `statusCode`).
 */
export class DurableStreamError extends Error {
  /** HTTP status code, if the error came from a response. */
  status?: number;
  /** Structured error code for programmatic handling. */
  code: DurableStreamErrorCode;
  /** Additional details, e.g. the response body. */
  details?: unknown;

  constructor(message: string, code: DurableStreamErrorCode, status?: number, details?: unknown) {
    super(message);
    this.name = "DurableStreamError";
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** Alias of `status`. */
  get statusCode(): number | undefined {
    return this.status;
  }

  /** Builds an error from a failed response, reading its body as details. */
  static async fromResponse(response: Response, url: string): Promise<DurableStreamError> {
    const { text, json } = await readErrorBody(response);
    return new DurableStreamError(
      `Durable stream error at ${url}: ${response.statusText || response.status}`,
      codeForStatus(response.status),
      response.status,
      json ?? text,
    );
  }

  /** Converts a FetchError into a DurableStreamError with the same status. */
  static fromFetchError(error: FetchError): DurableStreamError {
    return new DurableStreamError(
      error.message,
      codeForStatus(error.status),
      error.status,
      error.json ?? error.text,
    );
  }
}

/**
 * An HTTP response with a non-success status. It is also a
 * `DurableStreamError`, so `code`, `status` and `statusCode` are all set.
 */
export class FetchError extends DurableStreamError {
  declare status: number;
  /** Response body as text, when it was not JSON. */
  text?: string;
  /** Response body parsed as JSON, when it was JSON. */
  json?: object;
  /** Response headers, lowercased names. */
  headers: Record<string, string>;
  /** The request URL. */
  url: string;

  constructor(
    status: number,
    text: string | undefined,
    json: object | undefined,
    headers: Record<string, string>,
    url: string,
    message?: string,
  ) {
    super(
      message || `HTTP Error ${status} at ${url}: ${text ?? JSON.stringify(json)}`,
      codeForStatus(status, undefined),
      status,
      json ?? text,
    );
    this.name = "FetchError";
    this.text = text;
    this.json = json;
    this.headers = headers;
    this.url = url;
  }

  /** Builds a FetchError from a response, consuming its body. */
  static override async fromResponse(
    response: Response,
    url: string,
    operation?: string,
  ): Promise<FetchError> {
    const { text, json } = await readErrorBody(response);
    const error = new FetchError(response.status, text, json, headersRecord(response.headers), url);
    error.code = codeForStatus(response.status, operation);
    return error;
  }
}

/**
 * The error for a request that got no usable response: a refused or dropped
 * connection, a DNS failure, a body cut off mid-way. `status` is that of the
 * response head when one arrived, else 0; the original error is `cause`.
 * Errors that already are {@link DurableStreamError}s are returned unchanged.
 */
export function networkFailure(cause: unknown, url: string, status = 0): DurableStreamError {
  if (cause instanceof DurableStreamError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const error = new FetchError(
    status,
    undefined,
    undefined,
    {},
    url,
    `Network error at ${url}: ${reason}`,
  );
  error.cause = cause;
  return error;
}

/** Thrown when an operation is aborted while waiting to retry. */
export class FetchBackoffAbortError extends Error {
  constructor() {
    super("Fetch with backoff aborted");
    this.name = "FetchBackoffAbortError";
  }
}

/**
 * A request got no response head within `requestTimeoutMs`. Reads and
 * producers retry it like a dropped connection; a plain `append()` rejects
 * with a network {@link FetchError} whose `cause` is this error (the server
 * may or may not have stored the message).
 */
export class RequestTimeoutError extends Error {
  /** The timeout that ran out (ms). */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`No response within ${timeoutMs} ms`);
    this.name = "RequestTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** Thrown when options lack the required `url`. */
export class MissingStreamUrlError extends Error {
  constructor() {
    super("Invalid stream options: missing required url parameter");
    this.name = "MissingStreamUrlError";
  }
}

/** Thrown when `signal` is not an AbortSignal. */
export class InvalidSignalError extends Error {
  constructor() {
    super("Invalid signal option. It must be an instance of AbortSignal.");
    this.name = "InvalidSignalError";
  }
}

/** Thrown when appending to (or closing with a body) a stream that is closed. */
export class StreamClosedError extends DurableStreamError {
  override readonly code = "STREAM_CLOSED" as const;
  override readonly status = 409;
  /** Always true. */
  readonly streamClosed = true;
  /** The stream's final offset, when the server reported it. */
  readonly finalOffset?: string;

  constructor(url?: string, finalOffset?: string) {
    super("Cannot append to closed stream", "STREAM_CLOSED", 409, url);
    this.name = "StreamClosedError";
    this.finalOffset = finalOffset;
  }
}

/**
 * The producer's epoch was fenced by a newer one (HTTP 403). Carries the
 * server's current epoch.
 */
export class StaleEpochError extends Error {
  /** The current epoch on the server. */
  readonly currentEpoch: number;

  constructor(currentEpoch: number) {
    super(
      `Producer epoch is stale. Current server epoch: ${currentEpoch}. ` +
        "Call restart() or create a new producer with a higher epoch.",
    );
    this.name = "StaleEpochError";
    this.currentEpoch = currentEpoch;
  }
}

/** The server reported a producer sequence gap the client cannot repair. */
export class SequenceGapError extends Error {
  /** The sequence number the server expected. */
  readonly expectedSeq: number;
  /** The sequence number the server received. */
  readonly receivedSeq: number;

  constructor(expectedSeq: number, receivedSeq: number) {
    super(`Producer sequence gap: expected ${expectedSeq}, received ${receivedSeq}`);
    this.name = "SequenceGapError";
    this.expectedSeq = expectedSeq;
    this.receivedSeq = receivedSeq;
  }
}

/** Lowercased header name → value. */
export function headersRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

async function readErrorBody(
  response: Response,
): Promise<{ text: string | undefined; json: object | undefined }> {
  if (response.bodyUsed || response.body === null) return { text: undefined, json: undefined };
  let text: string;
  try {
    text = await response.text();
  } catch {
    return { text: undefined, json: undefined };
  }
  if (response.headers.get("content-type")?.includes("application/json")) {
    try {
      return { text: undefined, json: JSON.parse(text) as object };
    } catch {
      // not JSON after all
    }
  }
  return { text, json: undefined };
}
