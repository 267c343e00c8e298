/**
 * Which browser origins may read responses. `*` (any origin; the request's
 * origin is echoed so credentialed requests work) is the default only when
 * auth is off: a server that checks tokens names the origins it serves.
 */

/** Allowed origins: `"*"` or exact origins such as `https://app.example`. */
export type CorsOrigins = "*" | readonly string[];

/** The `Access-Control-Allow-Origin` value for a request's `Origin`, or null for none. */
export class CorsPolicy {
  readonly #any: boolean;
  readonly #origins: ReadonlySet<string>;

  constructor(origins: CorsOrigins) {
    this.#any = origins === "*";
    this.#origins = new Set(origins === "*" ? [] : origins);
  }

  /** The default for a server with or without auth. */
  static defaultFor(authEnabled: boolean): CorsPolicy {
    return new CorsPolicy(authEnabled ? [] : "*");
  }

  allowOrigin(origin: string | null): string | null {
    if (this.#any) return origin ?? "*";
    return origin !== null && this.#origins.has(origin) ? origin : null;
  }
}
