/** Where a request goes: the stream path named by its URL, decoded once. */

/** The decoded stream path of a request URL under `basePath`, or why there is none. */
export type StreamPath =
  | { readonly kind: "stream"; readonly path: string; readonly pathname: string }
  | { readonly kind: "outside"; readonly pathname: string }
  | { readonly kind: "malformed"; readonly pathname: string };

/**
 * Splits the stream path off a request URL. The path is taken from the URL
 * as sent (`new URL` would resolve dot segments, which must reach validation
 * and be refused), and segments are percent-decoded one by one (an encoded
 * `/` stays inside its segment) exactly as the Node adapter does, so a stream
 * has one canonical path on both runtimes.
 */
export function streamPath(url: string, basePath: string): StreamPath {
  const pathname = rawPathname(url);
  const prefix = `${basePath.replace(/\/+$/, "")}/`;
  if (!pathname.startsWith(prefix)) return { kind: "outside", pathname };
  const raw = pathname.slice(prefix.length);
  try {
    const path = raw.includes("%") ? raw.split("/").map(decodeURIComponent).join("/") : raw;
    return { kind: "stream", path, pathname };
  } catch {
    return { kind: "malformed", pathname };
  }
}

/** The path of an absolute URL exactly as written (no dot-segment resolution). */
export function rawPathname(url: string): string {
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme === -1 ? 0 : scheme + 3);
  if (start === -1) return "/";
  let end = url.length;
  const query = url.indexOf("?", start);
  if (query !== -1) end = query;
  const hash = url.indexOf("#", start);
  if (hash !== -1 && hash < end) end = hash;
  return url.slice(start, end);
}
