/**
 * Path globs of token scopes. A glob is matched segment by segment against a
 * stream path (relative to the stream root): `*` matches any characters
 * within one segment, a `**` segment matches zero or more whole segments, so
 * `chat/42/**` covers `chat/42` itself and everything below it.
 */

/** A compiled path glob. */
export type PathMatcher = (path: string) => boolean;

const SPECIAL = /[.+?^${}()|[\]\\]/g;

/** Compiles `glob`; throws on an empty glob or an empty segment. */
export function compilePathGlob(glob: string): PathMatcher {
  const segments = glob.split("/");
  if (glob === "" || segments.some((segment) => segment === "")) {
    throw new Error(`invalid path glob: ${JSON.stringify(glob)}`);
  }
  if (segments.length === 1 && segments[0] === "**") return (path) => path !== "";
  let source = "^";
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const afterLeadingAny = i === 1 && segments[0] === "**";
    if (segment === "**") {
      source += i === 0 ? "(?:[^/]+/)*" : "(?:/[^/]+)*";
      continue;
    }
    if (i > 0 && !afterLeadingAny) source += "/";
    source += segment.replace(SPECIAL, "\\$&").replaceAll("*", "[^/]*");
  }
  const pattern = new RegExp(`${source}$`, "s");
  return (path) => pattern.test(path);
}
