/**
 * What an authenticated request may do: everything (auth off, or the shared
 * secret) or a token's scope — path globs × operations, until its expiry.
 */

import { ProtocolError } from "../http/errors.js";
import { compilePathGlob, type PathMatcher } from "./path-glob.js";
import type { Operation } from "./token-operations.js";

/** The rights of one request. */
export class Access {
  readonly #matchers: readonly PathMatcher[] | null;
  readonly #ops: ReadonlySet<Operation> | null;

  /**
   * @param paths path globs, or null for every path
   * @param ops granted operations, or null for every operation
   * @param expiresAt when the rights end (ms since the epoch), or null
   * @param subject the token's `sub`, for logs and rate limits
   */
  constructor(
    readonly paths: readonly string[] | null,
    ops: readonly Operation[] | null,
    readonly expiresAt: number | null,
    readonly subject: string | null = null,
  ) {
    this.#matchers = paths === null ? null : paths.map(compilePathGlob);
    this.#ops = ops === null || ops.includes("admin") ? null : new Set(ops);
  }

  /** Everything, forever: auth is off or the request carried the shared secret. */
  static readonly FULL = new Access(null, null, null);

  /** Whether this access is unrestricted. */
  get isFull(): boolean {
    return this.#matchers === null && this.#ops === null && this.expiresAt === null;
  }

  /** Whether `operation` on the stream at `path` is allowed. */
  allows(operation: Operation, path: string): boolean {
    if (this.#ops !== null && !this.#ops.has(operation)) return false;
    return this.#matchers === null || this.#matchers.some((matches) => matches(path));
  }

  /** Throws 403 `FORBIDDEN` unless `operation` on `path` is allowed. */
  require(operation: Operation, path: string): void {
    if (!this.allows(operation, path)) throw forbidden(operation, path);
  }
}

/** 403: authenticated, but the token's scope does not cover the request. */
export function forbidden(operation: Operation, path: string): ProtocolError {
  return new ProtocolError(403, "FORBIDDEN", `token does not grant ${operation} on ${path}`);
}
