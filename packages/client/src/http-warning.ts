/** A one-time warning when a browser page talks to streams over plain HTTP/1.1. */

const warnedOrigins = new Set<string>();

/**
 * Warns once per origin when a browser uses an `http:` stream URL: HTTP/1.1
 * allows ~6 connections per origin, which live streams exhaust quickly.
 * No-op outside browsers and when `warnOnHttp` is false.
 */
export function warnIfUsingHttpInBrowser(url: string | URL, warnOnHttp?: boolean): void {
  if (warnOnHttp === false) return;
  const g = globalThis as {
    window?: { location?: { href?: string } };
    process?: { env?: Record<string, string | undefined> };
  };
  if (g.process?.env?.NODE_ENV === "test") return;
  if (g.window === undefined || typeof console === "undefined") return;
  let parsed: URL;
  try {
    parsed = new URL(url.toString(), g.window.location?.href);
  } catch {
    return;
  }
  if (parsed.protocol !== "http:" || warnedOrigins.has(parsed.origin)) return;
  warnedOrigins.add(parsed.origin);
  console.warn(
    "[DurableStream] Using HTTP (not HTTPS) typically limits browsers to ~6 concurrent " +
      "connections per origin under HTTP/1.1, which can stall pages with several live streams. " +
      "Serve streams over HTTPS to get HTTP/2.",
  );
}

/** Forgets which origins were warned about. For tests. */
export function _resetHttpWarningForTesting(): void {
  warnedOrigins.clear();
}
