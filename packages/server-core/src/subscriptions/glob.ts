/**
 * Subscription patterns (Section 6.2): globs over stream-root-relative paths
 * where `*` is exactly one path segment and `**` is zero or more segments.
 * Other segments are literal; a segment mixing `*` with text is refused at
 * validation, so matching never has to guess.
 */

/** Whether `path` matches `pattern` (both already validated). */
export function globMatches(pattern: string, path: string): boolean {
  return matchFrom(pattern.split("/"), 0, path.split("/"), 0);
}

function matchFrom(pattern: string[], pi: number, path: string[], si: number): boolean {
  while (pi < pattern.length) {
    const segment = pattern[pi]!;
    if (segment === "**") {
      // Consecutive `**` behave as one; then try every split point.
      while (pattern[pi + 1] === "**") pi++;
      if (pi === pattern.length - 1) return true;
      for (let at = si; at <= path.length; at++) {
        if (matchFrom(pattern, pi + 1, path, at)) return true;
      }
      return false;
    }
    if (si >= path.length) return false;
    if (segment !== "*" && segment !== path[si]) return false;
    pi++;
    si++;
  }
  return si === path.length;
}

/**
 * The literal leading segments of a pattern as a path prefix (`events/` for
 * `events/*`, `` for `**`): every matching stream starts with it, so backfill
 * lists only that range.
 */
export function literalPrefix(pattern: string): string {
  const segments = pattern.split("/");
  let prefix = "";
  for (const segment of segments) {
    if (segment === "*" || segment === "**") return prefix;
    prefix += `${segment}/`;
  }
  // No wildcard: the pattern names one stream exactly.
  return pattern;
}

/** Why a pattern is invalid, or null when it is a valid glob. */
export function patternProblem(pattern: string): string | null {
  for (const segment of pattern.split("/")) {
    if (segment === "") return "pattern has an empty path segment";
    if (segment === "." || segment === "..") return "pattern has a dot segment";
    if (segment !== "*" && segment !== "**" && segment.includes("*")) {
      return `pattern segment "${segment}" mixes * with text (only whole-segment * and ** are globs)`;
    }
  }
  return null;
}
