/** Issuing scoped tokens signed with the shared secret (HS256), for the CLI and embedders. */

import { loadJose } from "./load-jose.js";
import type { Operation } from "./token-operations.js";

/** What a token grants. */
export interface TokenScope {
  /** Path globs relative to the stream root (`chat/**`, `chat/*\/log`). */
  readonly paths: readonly string[];
  /** Granted operations. */
  readonly ops: readonly Operation[];
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  /** Optional `sub` claim (shows in logs; rate limits are per token). */
  readonly subject?: string;
  /** Issue time (ms since the epoch); default now. */
  readonly now?: number;
}

/**
 * An HS256 token for `scope`, signed with `secret` (the server's
 * `STREAMS_SECRET`), which a server started with the same secret accepts.
 */
export async function signStreamToken(secret: string, scope: TokenScope): Promise<string> {
  if (secret === "") throw new Error("cannot sign a token with an empty secret");
  if (!(scope.ttlSeconds > 0)) throw new Error("token lifetime must be positive");
  const issuedAt = Math.floor((scope.now ?? Date.now()) / 1000);
  const { SignJWT } = await loadJose();
  const jwt = new SignJWT({ paths: [...scope.paths], ops: [...scope.ops] })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.ceil(scope.ttlSeconds));
  if (scope.subject !== undefined) jwt.setSubject(scope.subject);
  return jwt.sign(new TextEncoder().encode(secret));
}
