/**
 * Headers on every response: browser security (Section 12.7) and CORS with
 * the protocol headers exposed, plus the per-read cache validators.
 */

import { EXPOSED_RESPONSE_HEADERS } from "@durastream/protocol";

const EXPOSE = EXPOSED_RESPONSE_HEADERS.join(", ");

/**
 * The browser-security headers of every response (Section 12.7), the one
 * list every adapter uses: a fresh object each call, for the caller to add to.
 */
export function securityHeaders(): Record<string, string> {
  return {
    "x-content-type-options": "nosniff",
    "cross-origin-resource-policy": "cross-origin",
  };
}

/**
 * Headers of a JSON answer an adapter gives itself (an error before the
 * engine runs, a listing): JSON, never cached, the security headers, and
 * readable from any origin. A fresh object each call.
 */
export function adapterJsonHeaders(): Record<string, string> {
  const headers = securityHeaders();
  headers["content-type"] = "application/json";
  headers["cache-control"] = "no-store";
  headers["access-control-allow-origin"] = "*";
  return headers;
}

/**
 * Security and CORS headers added to every response. A fresh object that
 * callers may add to (object spreads of header sets cost measurable time per
 * response: V8 makes their result a slow dictionary object).
 */
export function baseHeaders(
  origin: string | null,
  allowOrigin: string | null,
): Record<string, string> {
  const headers = securityHeaders();
  if (allowOrigin !== null) {
    headers["access-control-allow-origin"] = allowOrigin;
    headers["access-control-expose-headers"] = EXPOSE;
  }
  if (origin) headers.vary = "Origin";
  return headers;
}

const ALLOW_METHODS = "GET, HEAD, PUT, POST, DELETE, OPTIONS";
const ALLOW_HEADERS = [
  "Content-Type",
  "Authorization",
  "If-None-Match",
  "Stream-TTL",
  "Stream-Expires-At",
  "Stream-Seq",
  "Stream-Closed",
  "Stream-Forked-From",
  "Stream-Fork-Offset",
  "Stream-Fork-Sub-Offset",
  "Producer-Id",
  "Producer-Epoch",
  "Producer-Seq",
].join(", ");

/** Headers of a CORS preflight answer. */
export function preflightHeaders(requestedHeaders: string | null): Record<string, string> {
  return {
    "access-control-allow-methods": ALLOW_METHODS,
    "access-control-allow-headers": requestedHeaders
      ? `${ALLOW_HEADERS}, ${requestedHeaders}`
      : ALLOW_HEADERS,
    "access-control-max-age": "86400",
  };
}

/** The strong ETag of a read of `[start, end)` of stream `id`; varies with closure. */
export function readEtag(id: number, start: number, end: number, closed: boolean): string {
  return `"${id}:${start}:${end}${closed ? ":c" : ""}"`;
}

/** Whether an `If-None-Match` value matches `etag` (lists, `*` and weak forms accepted). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  for (const candidate of ifNoneMatch.split(",")) {
    const value = candidate.trim();
    if (value === "*" || value === etag || value === `W/${etag}`) return true;
  }
  return false;
}
