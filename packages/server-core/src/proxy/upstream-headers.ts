/**
 * What the proxy forwards upstream (PROXY_PROTOCOL.md Section 5): every
 * client header but hop-by-hop ones, the proxy's own, `Host` and the client's
 * `Authorization`; `Upstream-Authorization` becomes `Authorization`.
 */

/** Headers never forwarded (Section 5.2), plus what the runtime sets itself. */
const STRIPPED = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "trailers",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "upstream-url",
  "upstream-method",
  "upstream-authorization",
  "content-length",
  "expect",
  "cookie",
  "origin",
  "referer",
  // The proxy's own request headers.
  "proxy-session-id",
]);

/** Forwarded headers from `names` (lower-case) and the request's lookup. */
export function upstreamHeaders(
  names: readonly string[],
  header: (name: string) => string | null,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const lower = name.toLowerCase();
    if (STRIPPED.has(lower) || lower.startsWith("sec-") || lower.startsWith("access-control-")) {
      continue;
    }
    const value = header(lower);
    if (value !== null) headers[lower] = value;
  }
  const authorization = header("upstream-authorization");
  if (authorization !== null) headers.authorization = authorization;
  return headers;
}
