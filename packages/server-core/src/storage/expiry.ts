/** Stream lifetime: sliding TTL and absolute Expires-At (Section 5.1). */

import type { StreamRecord } from "../ports/store.js";

/** When the stream expires (ms since epoch), or null if never. */
export function expiryOf(record: {
  readonly ttlSeconds: number | null;
  readonly expiresAt: number | null;
  readonly lastAccessAt: number;
}): number | null {
  const sliding =
    record.ttlSeconds === null ? null : record.lastAccessAt + record.ttlSeconds * 1000;
  if (sliding === null) return record.expiresAt;
  if (record.expiresAt === null) return sliding;
  return Math.min(sliding, record.expiresAt);
}

/** Whether the stream has expired at `now`. */
export function isExpired(record: StreamRecord, now: number): boolean {
  const expiry = expiryOf(record);
  return expiry !== null && now >= expiry;
}
