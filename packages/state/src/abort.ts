/**
 * Small AbortSignal helpers that work wherever `AbortController` exists
 * (no reliance on `AbortSignal.any` / `AbortSignal.timeout`).
 *
 * @module
 */

/** An abort signal combining an optional parent signal and a timeout. */
export interface BoundedSignal {
  signal: AbortSignal;
  /** Whether the timeout (not the parent) fired. */
  readonly timedOut: boolean;
  /** Stops the timer and detaches from the parent. */
  dispose(): void;
}

/** Aborts when `parent` aborts or after `timeoutMs`, whichever comes first. */
export function boundedSignal(parent: AbortSignal | undefined, timeoutMs: number): BoundedSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/** Whether `error` is an abort (DOMException `AbortError` or similar). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    ((error as { name?: unknown }).name === "AbortError" ||
      (error as { name?: unknown }).name === "FetchBackoffAbortError")
  );
}
