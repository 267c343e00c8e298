/**
 * Signals of requests. Per-request timeouts: a request that gets no response
 * head within `requestTimeoutMs` is aborted, so a server that accepts
 * connections and never answers cannot hold a write or a read for minutes.
 * And one signal combining several (an append's and its handle's).
 */

import { RequestTimeoutError } from "./errors.js";

/** One attempt's signal: aborted by the caller's signal, or by the timeout. */
export interface AttemptSignal {
  /** Pass this to fetch. */
  readonly signal: AbortSignal | undefined;
  /** The timeout error when the timeout fired, else undefined. */
  timedOut(): RequestTimeoutError | undefined;
  /** Stops the timer (call once the response head arrived) and unlinks from the caller's signal. */
  done(): void;
}

/**
 * A signal for one attempt. Without a timeout it is the caller's signal
 * itself; with one, a child signal that also fires after `timeoutMs`.
 * `keepLinked` keeps the caller's signal able to abort the attempt after
 * `done()` (a read's body is still being consumed then).
 */
export function attemptSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number | undefined,
  keepLinked = false,
): AttemptSignal {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) {
    return { signal: parent, timedOut: () => undefined, done() {} };
  }
  const controller = new AbortController();
  let timeout: RequestTimeoutError | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(() => {
    timeout = new RequestTimeoutError(timeoutMs);
    controller.abort(timeout);
  }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => timeout,
    done() {
      clearTimeout(timer);
      if (!keepLinked) parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/** Validates a `requestTimeoutMs` option: undefined (off), a positive number, or Infinity (off). */
export function checkRequestTimeout(value: number | undefined): number | undefined {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return undefined;
  if (!(value > 0)) throw new RangeError("requestTimeoutMs must be > 0");
  return value;
}

/** One signal that fires when any of `signals` does (undefined for none). */
export function combineSignals(signals: AbortSignal[]): AbortSignal | undefined {
  if (signals.length === 0) return undefined;
  if (signals.length === 1) return signals[0];
  const any = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any(signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) controller.abort(s.reason);
    else s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
