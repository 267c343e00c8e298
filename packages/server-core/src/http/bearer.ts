/**
 * The server's bearer-secret authentication, shared by the engine and by
 * runtime parts that answer requests outside it (the registry object on
 * Cloudflare), so every route refuses a bad token the same way.
 */

import { constantTimeEqual } from "./constant-time.js";
import { ProtocolError } from "./errors.js";

/**
 * Throws 401 `UNAUTHORIZED` unless `authorization` is `Bearer <secret>`; no
 * check when no secret is configured.
 */
export function authenticateBearer(authorization: string | null, secret: string | undefined): void {
  if (secret === undefined || secret === "") return;
  const match = /^Bearer\s+(.+)$/i.exec((authorization ?? "").trim());
  if (!match || !constantTimeEqual(match[1]!, secret)) {
    throw new ProtocolError(401, "UNAUTHORIZED", "missing or invalid bearer token", {
      "www-authenticate": 'Bearer realm="durastream"',
    });
  }
}
