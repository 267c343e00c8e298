/**
 * Authorization for the reserved `__ds` routes. The engine does not
 * authenticate them itself (some carry their own credentials, such as
 * subscription callback tokens); each route calls these.
 */

import type { EngineRequest } from "../http/http-types.js";
import type { Access } from "./access.js";
import type { Authenticator } from "./authenticator.js";
import type { Operation } from "./token-operations.js";

/**
 * Authenticates `request` (401 when auth is on and its credential is
 * missing, invalid or expired) and requires `operation` on each of `paths`
 * (403). Returns the access for further checks.
 */
export async function authorizeReserved(
  auth: Pick<Authenticator, "authenticate">,
  request: EngineRequest,
  operation: Operation,
  ...paths: string[]
): Promise<Access> {
  const access = await auth.authenticate(request);
  for (const path of paths) access.require(operation, path);
  return access;
}

/**
 * For listings: authenticates `request` and returns whether a stream path
 * may be listed (its read scope covers it). Out-of-scope streams are left
 * out rather than refused, so a listing never reveals them.
 */
export async function listableFilter(
  auth: Pick<Authenticator, "authenticate">,
  request: EngineRequest,
): Promise<(path: string) => boolean> {
  const access = await auth.authenticate(request);
  if (access.isFull) return () => true;
  return (path) => access.allows("read", path);
}
