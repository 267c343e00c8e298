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
  /**
   * The response head arrived or the attempt failed: stops the timer and,
   * unless `keepLinked`, unlinks from the caller's signal.
   */
  done(): void;
  /** The attempt is over for good (it failed, or its body was read): unlinks from the caller's signal. */
  release(): void;
}

/**
 * A signal for one attempt: a child of the caller's signal that also fires
 * after `timeoutMs` (when given). Each attempt gets its own signal even
 * without a timeout because fetch (undici) adds an abort listener to the
 * signal it is given and removes it only when the request is garbage
 * collected: handing the caller's long-lived signal to every retry piles up
 * listeners on it (an outage of many retries grew it past 1,500). The one
 * link this adds to the caller's signal is removed by `done()`/`release()`.
 * `keepLinked` keeps the caller's signal able to abort the attempt after
 * `done()` (a read's body is still being consumed then) until `release()`.
 */
export function attemptSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number | undefined,
  keepLinked = false,
): AttemptSignal {
  const timed = timeoutMs !== undefined && Number.isFinite(timeoutMs);
  if (parent === undefined && !timed) {
    return { signal: undefined, timedOut: () => undefined, done() {}, release() {} };
  }
  const controller = new AbortController();
  let timeout: RequestTimeoutError | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  let linked = false;
  if (parent?.aborted) controller.abort(parent.reason);
  else if (parent) {
    parent.addEventListener("abort", onParentAbort, { once: true });
    linked = true;
  }
  const unlink = () => {
    if (linked) parent?.removeEventListener("abort", onParentAbort);
    linked = false;
  };
  const timer = timed
    ? setTimeout(() => {
        timeout = new RequestTimeoutError(timeoutMs);
        controller.abort(timeout);
      }, timeoutMs)
    : undefined;
  return {
    signal: controller.signal,
    timedOut: () => timeout,
    done() {
      clearTimeout(timer);
      if (!keepLinked) unlink();
    },
    release() {
      clearTimeout(timer);
      unlink();
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
