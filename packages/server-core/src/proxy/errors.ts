/** Errors of the proxy routes, with the codes of PROXY_PROTOCOL.md Section 11. */

/** Error codes the proxy answers with, beyond the base protocol's. */
export type ProxyErrorCode =
  | "MISSING_UPSTREAM_URL"
  | "MISSING_UPSTREAM_METHOD"
  | "INVALID_UPSTREAM_METHOD"
  | "INVALID_SESSION_ID"
  | "REDIRECT_NOT_ALLOWED"
  | "INVALID_ACTION"
  | "MISSING_SECRET"
  | "INVALID_SECRET"
  | "MISSING_SIGNATURE"
  | "SIGNATURE_EXPIRED"
  | "SIGNATURE_INVALID"
  | "UPSTREAM_NOT_ALLOWED"
  | "UPSTREAM_ERROR"
  | "UPSTREAM_TIMEOUT"
  | "STORAGE_ERROR"
  | "SESSION_BUSY"
  | "PAYLOAD_TOO_LARGE"
  | "OVERLOADED"
  | "NOT_FOUND"
  | "STREAM_NOT_FOUND"
  | "METHOD_NOT_ALLOWED";

/** A refusal of a proxy request: status, code and a short message. */
export class ProxyError extends Error {
  constructor(
    readonly status: number,
    readonly code: ProxyErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ProxyError";
  }
}

/**
 * Refusal of a connection to an address the runtime will not reach (private,
 * loopback, link-local): upstream fetchers throw it, the proxy answers 403.
 */
export class UpstreamAddressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UpstreamAddressRefused";
  }
}
