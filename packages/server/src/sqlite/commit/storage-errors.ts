/**
 * Storage failures as honest responses: a full disk is `507` (nothing was
 * stored; retry once space is freed), any other refusal of the disk is
 * `503`. Both carry the JSON error body and `Retry-After`.
 */

import { ProtocolError } from "@durastream/server-core";

const RETRY_AFTER_SECONDS = "5";

/** Codes of a full disk or quota: SQLite's, and errno from a sync. */
const FULL = new Set(["SQLITE_FULL", "ENOSPC", "EDQUOT"]);
/** Codes of a disk that refused or failed otherwise. */
const UNAVAILABLE = /^(SQLITE_IOERR|SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_BUSY|EIO$|EROFS$)/;

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/** Whether `error` is the disk (full, read-only, failing) rather than a bug. */
export function isStorageFailure(error: unknown): boolean {
  const code = codeOf(error);
  return FULL.has(code) || UNAVAILABLE.test(code);
}

/**
 * The response for a write the disk refused, or `error` itself when it is
 * not a storage failure (the engine answers 500 for those). `permanent`
 * says writes stay refused until the server restarts.
 */
export function storageError(error: unknown, permanent = false): unknown {
  if (error instanceof ProtocolError) return error;
  const code = codeOf(error);
  const headers: Record<string, string> = permanent ? {} : { "retry-after": RETRY_AFTER_SECONDS };
  const until = permanent
    ? "; writes are refused until the server restarts"
    : "; nothing was stored, retry later";
  if (FULL.has(code)) {
    return new ProtocolError(
      507,
      "STORAGE_FULL",
      `the server's disk is full (${code})${until}`,
      headers,
    );
  }
  if (UNAVAILABLE.test(code)) {
    return new ProtocolError(
      503,
      "STORAGE_UNAVAILABLE",
      `the server's storage refused the write (${code})${until}`,
      headers,
    );
  }
  return error;
}
