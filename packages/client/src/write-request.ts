/**
 * Sending write requests (PUT, POST, DELETE, HEAD): transient failures are
 * retried with capped exponential backoff until a time budget runs out, and
 * failed responses are turned into errors.
 *
 * Every write retries 429 and every 5xx, as the official client does (code
 * written against it counts on a plain `append()` riding out a 500). Other
 * failures are retried only where resending is safe:
 * - idempotent requests (producer appends, which the server deduplicates by
 *   producer sequence; HEAD; PUT; DELETE; close without a body) also retry
 *   dropped connections and timeouts;
 * - other requests (a plain `append()`, `close({ body })`) also retry a
 *   connection that could not be opened (the request never left), but not a
 *   dropped connection or a timeout, which may have been applied.
 * A 5xx other than 503 may come from a server or proxy that stored the
 * request before failing, so through one a plain append is at-least-once.
 */

import { isClosedFlag, STREAM_CLOSED_HEADER, STREAM_OFFSET_HEADER } from "@durastream/protocol";
import {
  Backoff,
  type BackoffOptions,
  isRetryableStatus,
  parseRetryAfterHeader,
  sleep,
} from "./backoff.js";
import { FetchBackoffAbortError, FetchError, networkFailure, StreamClosedError } from "./errors.js";
import { attemptSignal } from "./request-timeout.js";

/** One attempt's request; rebuilt per attempt so header functions are re-evaluated. */
export type BuildRequest = () => Promise<{ url: string; init: RequestInit }>;

/** How a write retries. */
export interface WriteRetryPolicy {
  /** Delays between attempts (`maxRetries`, if finite, also caps the attempts). */
  backoff: BackoffOptions;
  /** Time (ms) from the first attempt after which no new attempt starts; `Infinity` for none. */
  budgetMs: number;
  /** Aborts an attempt with no response head after this long (ms); undefined for none. */
  requestTimeoutMs?: number;
  /** Whether a request whose connection dropped or timed out can be resent (see the module comment). */
  idempotent: boolean;
}

/** Error codes of failures to open a connection: the request was never sent. */
const CONNECT_FAILURE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Whether `error` (a fetch rejection) says the connection could not be
 * opened, so the request provably never reached the server. Node's fetch
 * reports the reason as `cause.code` (an AggregateError when several
 * addresses were tried); browsers do not say, so there this is false.
 */
export function isConnectFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const check = (e: unknown): boolean => {
    if (e === null || typeof e !== "object" || seen.has(e)) return false;
    seen.add(e);
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === "string" && CONNECT_FAILURE_CODES.has(code)) {
      // An AggregateError's own code may name one failure; all of them must be connect failures.
      return !Array.isArray(errors) || errors.every(check);
    }
    if (Array.isArray(errors) && errors.length > 0) return errors.every(check);
    return check(cause);
  };
  return check(error);
}

/**
 * Sends a request, retrying transient failures with backoff while the
 * policy's budget lasts. Returns the last response (which may still be a
 * failure) or throws the last network error as a {@link FetchError} (its
 * `cause` a {@link RequestTimeoutError} when an attempt timed out). Throws
 * the abort reason when `signal` fires.
 */
export async function sendWithRetry(
  fetchImpl: typeof globalThis.fetch,
  build: BuildRequest,
  policy: WriteRetryPolicy,
  signal?: AbortSignal,
): Promise<Response> {
  const backoff = new Backoff(policy.backoff);
  const deadline = Date.now() + policy.budgetMs;
  for (;;) {
    let retryAfter = 0;
    let failure: unknown;
    let fetchedUrl: string | undefined; // set once the request is built: later failures are the network's
    let response: Response | undefined;
    const attempt = attemptSignal(signal, policy.requestTimeoutMs);
    try {
      const { url, init } = await build();
      fetchedUrl = url;
      response = await fetchImpl(url, { ...init, signal: attempt.signal ?? null });
    } catch (err) {
      failure = err;
    } finally {
      attempt.done();
    }
    if (signal?.aborted) {
      await response?.body?.cancel().catch(() => {});
      throw signal.reason ?? new FetchBackoffAbortError();
    }
    let retryable: boolean;
    if (response !== undefined) {
      if (!isRetryableStatus(response.status)) return response;
      retryable = true;
      retryAfter = parseRetryAfterHeader(response.headers.get("retry-after"));
    } else {
      const timeout = attempt.timedOut();
      if (timeout) failure = timeout;
      if (fetchedUrl !== undefined) failure = networkFailure(failure, fetchedUrl);
      // A header function that failed sent nothing; otherwise judge by what the network said.
      retryable = policy.idempotent || fetchedUrl === undefined || isConnectFailure(failure);
    }
    const wait = retryable && backoff.canRetry() ? backoff.next(retryAfter) : undefined;
    if (wait === undefined || Date.now() + wait > deadline) {
      if (response !== undefined) return response;
      throw failure;
    }
    await response?.body?.cancel().catch(() => {});
    try {
      await sleep(wait, signal);
    } catch {
      throw signal?.reason ?? new FetchBackoffAbortError();
    }
  }
}

/** The error for a failed write response: StreamClosedError for a closed stream, else FetchError. */
export async function writeFailure(
  response: Response,
  url: string,
  operation?: string,
): Promise<Error> {
  if (response.status === 409 && isClosedFlag(response.headers.get(STREAM_CLOSED_HEADER))) {
    await response.body?.cancel().catch(() => {});
    return new StreamClosedError(url, response.headers.get(STREAM_OFFSET_HEADER) ?? undefined);
  }
  return FetchError.fromResponse(response, url, operation);
}
