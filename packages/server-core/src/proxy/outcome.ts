/**
 * How an upstream response ended, recorded with the stream (the draft leaves
 * the stream's state after an abort or error open; durastream always closes
 * it, so a reader never waits forever, and says why in `Upstream-Outcome`).
 */

/** Outcomes, the `Upstream-Outcome` header and the `outcome` of session `end` frames. */
export type ProxyOutcome =
  /** The upstream body ended normally. */
  | "complete"
  /** `PATCH ?action=abort` cancelled it. */
  | "aborted"
  /** The upstream connection failed mid-body. */
  | "upstream-error"
  /** No upstream bytes for the body inactivity timeout. */
  | "idle-timeout"
  /** The response ran past the maximum duration. */
  | "duration-limit"
  /** The response grew past the maximum size (the stream holds the bytes up to it). */
  | "size-limit"
  /** The stream's storage refused a write (disk full, ...). */
  | "storage-error"
  /** The server stopped (a crash or a shutdown) while the response was still arriving. */
  | "interrupted";

/** `Upstream-Outcome` while the response is still arriving. */
export const RUNNING = "running";

/** The response header carrying the outcome. */
export const UPSTREAM_OUTCOME_HEADER = "upstream-outcome";
