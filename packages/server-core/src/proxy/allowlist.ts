/**
 * The upstream allowlist (PROXY_PROTOCOL.md Section 6). A pattern is an
 * absolute URL glob matched against the upstream URL's scheme, host (with its
 * port when not the default) and path: `*` matches any characters but `/`,
 * `**` matches anything. The query and fragment are not matched (they do not
 * change where the request goes). An empty allowlist refuses everything.
 */

const SPECIAL = /[.+?^${}()|[\]\\]/g;

/** A compiled allowlist. */
export class UpstreamAllowlist {
  readonly #patterns: readonly RegExp[];

  /** Compiles `patterns`; throws on one that is not an http(s) URL glob. */
  constructor(readonly patterns: readonly string[]) {
    this.#patterns = patterns.map(compileUrlGlob);
  }

  /** Whether `url` (already parsed and checked by `parseUpstreamUrl`) is allowed. */
  allows(url: URL): boolean {
    const target = `${url.protocol}//${url.host}${url.pathname}`;
    return this.#patterns.some((pattern) => pattern.test(target));
  }
}

/** Compiles one allowlist glob into an anchored regular expression. */
export function compileUrlGlob(glob: string): RegExp {
  const trimmed = glob.trim();
  if (!/^https?:\/\/[^/]+/i.test(trimmed)) {
    throw new Error(
      `proxy allowlist entry must start with http:// or https:// and a host: ${glob}`,
    );
  }
  // A bare origin allows its root path only; `/**` must be written to allow more.
  const withPath = /^https?:\/\/[^/]+$/i.test(trimmed) ? `${trimmed}/` : trimmed;
  const [scheme, rest] = withPath.split("://") as [string, string];
  let source = `^${scheme.toLowerCase()}://`;
  const hostEnd = rest.indexOf("/");
  const host = rest.slice(0, hostEnd).toLowerCase();
  const path = rest.slice(hostEnd);
  source += globSource(host) + globSource(path);
  return new RegExp(`${source}$`);
}

function globSource(glob: string): string {
  return glob
    .split("**")
    .map((part) => part.replace(SPECIAL, "\\$&").replaceAll("*", "[^/]*"))
    .join(".*");
}

/**
 * The upstream URL of a create request, normalized, or null when it is not an
 * absolute http(s) URL without credentials in it.
 */
export function parseUpstreamUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  // `user:pass@host` would put credentials in logs and confuse host matching.
  if (url.username !== "" || url.password !== "") return null;
  url.hash = "";
  return url;
}
