/**
 * Sending write requests (PUT, POST, DELETE, HEAD) with a bounded number of
 * retries for transient failures, and turning failed responses into errors.
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

/** One attempt's request; rebuilt per attempt so header functions are re-evaluated. */
export type BuildRequest = () => Promise<{ url: string; init: RequestInit }>;

/**
 * Sends a request, retrying network errors, 429 and 5xx with backoff until
 * the retry budget is spent. Returns the last response (which may still be a
 * failure) or throws the last network error as a {@link FetchError}.
 */
export async function sendWithRetry(
  fetchImpl: typeof globalThis.fetch,
  build: BuildRequest,
  backoffOptions: BackoffOptions,
  signal?: AbortSignal,
): Promise<Response> {
  const backoff = new Backoff(backoffOptions);
  for (;;) {
    let retryAfter = 0;
    let fetchedUrl: string | undefined; // set once the request is built: later failures are the network's
    try {
      const { url, init } = await build();
      fetchedUrl = url;
      const response = await fetchImpl(url, init);
      if (!isRetryableStatus(response.status) || !backoff.canRetry()) return response;
      retryAfter = parseRetryAfterHeader(response.headers.get("retry-after"));
      await response.body?.cancel().catch(() => {});
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? new FetchBackoffAbortError();
      if (!backoff.canRetry()) {
        throw fetchedUrl === undefined ? err : networkFailure(err, fetchedUrl);
      }
    }
    await sleep(backoff.next(retryAfter), signal);
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
