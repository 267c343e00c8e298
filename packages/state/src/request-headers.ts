/**
 * Request headers of the state layer: `getStreamsAuth()` overlaid with the
 * caller's headers, case-insensitively.
 *
 * @module
 */
import type { HeadersRecord } from "@durastream/client";
import { getStreamsAuth } from "./streams-auth.js";

/**
 * The environment's auth header (see `getStreamsAuth`) merged under `headers`:
 * a caller's header of the same name, in any letter case, wins.
 */
export function withStreamsAuth(headers: HeadersRecord | undefined): HeadersRecord {
  const merged: HeadersRecord = {};
  const overridden = new Set(Object.keys(headers ?? {}).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(getStreamsAuth())) {
    if (!overridden.has(name.toLowerCase())) merged[name] = value;
  }
  return Object.assign(merged, headers);
}
