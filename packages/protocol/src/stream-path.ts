/**
 * Request targets and stream paths. A stream has exactly one path, whatever
 * form the request target took: origin form (`/v1/stream/a/b?offset=-1`) or
 * absolute form (`http://host/v1/stream/a/b`), with or without percent-
 * encoding. The target is split by hand, never with `new URL()`: WHATWG URL
 * parsing resolves `..` and `%2e%2e` segments, and a path resolved before it
 * is validated is a path a proxy in front never authorized.
 *
 * Each segment is percent-decoded exactly once and then validated. A segment
 * that decodes to a `/` (`%2F`) is refused rather than kept distinct: a
 * stream named `a%2Fb` would otherwise look like `a/b` to every tool that
 * decodes paths (proxies, logs, listing clients) while being another stream.
 */

/** Longest stream path accepted, in UTF-16 code units after decoding. */
export const MAX_STREAM_PATH_LENGTH = 1024;

/** Why a request target or stream path was refused (message for the 400 body). */
export class StreamPathError extends Error {
  override readonly name = "StreamPathError";
}

/** A request target split into its parts, nothing decoded. */
export interface RequestTarget {
  /** `host[:port]` of an absolute-form target; `null` in origin form. */
  readonly authority: string | null;
  /** The path as sent (percent-encoding intact), starting with `/`. */
  readonly pathname: string;
  /** The query without `?`; empty when there is none. */
  readonly query: string;
}

// Printable ASCII but `#` (fragments are never sent). WHATWG URL serializers
// send `|`, `^`, `\` and friends raw, so those stay allowed; they decode to the
// same character as their percent-encoded spelling. Raw non-ASCII would name a
// second stream (its bytes read as Latin-1) beside the percent-encoded spelling.
const TARGET_CHARS = /^[\x21-\x22\x24-\x7e]*$/;
const ABSOLUTE_FORM = /^https?:\/\/([^/?]*)/i;

/**
 * Splits a request target (`req.url`) into authority, raw path and query.
 * Throws `StreamPathError` for asterisk form, fragments, characters that
 * must be percent-encoded, and anything that is neither origin nor absolute form.
 */
export function parseRequestTarget(target: string): RequestTarget {
  if (!TARGET_CHARS.test(target)) {
    throw new StreamPathError("request target contains characters that must be percent-encoded");
  }
  let authority: string | null = null;
  let rest = target;
  if (!target.startsWith("/")) {
    const match = ABSOLUTE_FORM.exec(target);
    if (!match || match[1] === "") {
      throw new StreamPathError("request target is neither origin nor absolute form");
    }
    authority = match[1]!;
    rest = target.slice(match[0].length);
    if (!rest.startsWith("/")) rest = `/${rest}`;
  }
  const queryStart = rest.indexOf("?");
  if (queryStart === -1) return { authority, pathname: rest, query: "" };
  return {
    authority,
    pathname: rest.slice(0, queryStart),
    query: rest.slice(queryStart + 1),
  };
}

/**
 * The stream path named by `raw` (the part of a request path after the
 * stream root, percent-encoding intact): each segment decoded once, then
 * validated. Throws `StreamPathError` for malformed percent-encoding, an
 * encoded `/` (outside `__ds/`), empty, `.` or `..` segments (encoded or not), control
 * characters, and paths longer than `MAX_STREAM_PATH_LENGTH`.
 */
export function decodeStreamPath(raw: string): string {
  if (isPlainValidPath(raw)) return raw;
  if (raw === "") throw new StreamPathError("missing stream path");
  const segments = raw.split("/");
  // The reserved `__ds` namespace is no stream: its routes carry a stream
  // path as one encoded segment (`__ds/subscriptions/:id/streams/:path`, spec 6.4).
  const reserved = segments[0] === "__ds";
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (!segment.includes("%")) continue;
    if (!reserved && /%2f/i.test(segment)) {
      throw new StreamPathError("stream path segments may not contain an encoded '/' (%2F)");
    }
    try {
      segments[i] = decodeURIComponent(segment);
    } catch {
      throw new StreamPathError("malformed percent-encoding in the stream path");
    }
  }
  const path = segments.join("/");
  const problem = streamPathProblem(path);
  if (problem !== null) throw new StreamPathError(problem);
  return path;
}

/**
 * Whether `raw` needs no decoding and is valid as it is: no `%`, no control
 * character, no empty, `.` or `..` segment, not too long. One pass over the
 * characters, no split or join: most request paths take this way, and every
 * other one (including each invalid path, for its precise error) takes the
 * full decode.
 */
function isPlainValidPath(raw: string): boolean {
  const length = raw.length;
  if (length === 0 || length > MAX_STREAM_PATH_LENGTH) return false;
  let segmentStart = 0;
  for (let i = 0; i <= length; i++) {
    const code = i === length ? 0x2f : raw.charCodeAt(i);
    if (code === 0x2f) {
      const segment = i - segmentStart;
      if (segment === 0) return false;
      // "." or ".."
      if (segment <= 2 && raw.charCodeAt(segmentStart) === 0x2e) {
        if (segment === 1 || raw.charCodeAt(segmentStart + 1) === 0x2e) return false;
      }
      segmentStart = i + 1;
    } else if (code < 0x20 || code === 0x7f || code === 0x25) {
      return false;
    }
  }
  return true;
}

/**
 * What is wrong with a decoded stream path, or `null` when it is valid:
 * non-empty, at most `MAX_STREAM_PATH_LENGTH` long, no empty, `.` or `..`
 * segment, no control characters.
 */
export function streamPathProblem(path: string): string | null {
  if (path === "") return "missing stream path";
  if (path.length > MAX_STREAM_PATH_LENGTH) return "stream path too long";
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") {
      return `invalid stream path: ${path}`;
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(path)) return "stream path contains control characters";
  return null;
}
