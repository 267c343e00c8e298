/** `stream()`: the fetch-like read API. */

import { BackoffDefaults } from "./backoff.js";
import { DurableStreamError, InvalidSignalError } from "./errors.js";
import { warnIfUsingHttpInBrowser } from "./http-warning.js";
import { ReadSession } from "./read-session.js";
import { checkRequestTimeout } from "./request-timeout.js";
import { StreamResponseImpl } from "./stream-response.js";
import type { StreamOptions, StreamResponse } from "./types.js";

/**
 * Starts a read session. Resolves once the first response arrived (so a
 * missing stream or bad credentials reject here), then hands out a
 * {@link StreamResponse} to consume with exactly one method.
 *
 * @example
 * ```ts
 * const res = await stream<{ text: string }>({ url, offset: "-1", live: true });
 * res.subscribeJson(async (batch) => {
 *   for (const item of batch.items) render(item);
 *   saveCheckpoint(batch.offset);
 * });
 * ```
 */
export async function stream<TJson = unknown>(
  options: StreamOptions,
): Promise<StreamResponse<TJson>> {
  if (!options.url) {
    throw new DurableStreamError(
      "Invalid stream options: missing required url parameter",
      "BAD_REQUEST",
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InvalidSignalError();
  }
  const url = options.url instanceof URL ? options.url.toString() : options.url;
  warnIfUsingHttpInBrowser(url, options.warnOnHttp);
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const session = new ReadSession({
    url,
    startOffset: options.offset ?? "-1",
    live: options.live ?? true,
    headers: options.headers,
    params: options.params,
    fetch: fetchImpl,
    backoff: { ...BackoffDefaults, ...options.backoffOptions },
    onError: options.onError,
    jsonHint: options.json === true,
    sseResilience: options.sseResilience,
    signal: options.signal,
    requestTimeoutMs: checkRequestTimeout(options.requestTimeoutMs),
  });
  await session.open();
  return new StreamResponseImpl<TJson>(session);
}
