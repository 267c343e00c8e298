/**
 * Live reads end when the token that opened them expires: a long-poll
 * answers 204 (as when its client goes away) and an SSE connection closes.
 * The client's next request then presents its token again and gets a 401
 * if it was not renewed. An SSE session whose timers the runtime owns (a
 * Durable Object's, relayed by the Worker) carries the expiry itself and
 * ends on its first keep-alive or wake-up after it — at most one keep-alive
 * period (`LONG_POLL_TIMEOUT_MS`) late.
 */

import type { EngineRequest, EngineResponse, StreamingBody } from "../http/http-types.js";
import { isStreamingBody } from "../http/http-types.js";
import { isSseStream } from "../live/sse-session.js";
import type { Access } from "./access.js";

/** setTimeout's largest delay; live reads end long before (SSE lifetime, long-poll timeout). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Runs a read with `request`, bounding it by `access`'s expiry when it is a
 * live read: long-polls see their signal abort at expiry, SSE bodies cancel.
 */
export function boundLiveRead(
  request: EngineRequest,
  access: Access,
  now: number,
  run: (request: EngineRequest) => EngineResponse | Promise<EngineResponse>,
): EngineResponse | Promise<EngineResponse> {
  const expiresAt = access.expiresAt;
  if (expiresAt === null || request.method !== "GET") return run(request);
  const live = request.query.get("live");
  const delay = Math.max(0, expiresAt - now);
  if (live === "long-poll" && delay <= MAX_DELAY_MS) {
    return run(new ExpiringRequest(request, delay));
  }
  if (live !== "sse" || delay > MAX_DELAY_MS) return run(request);
  const response = run(request);
  return response instanceof Promise
    ? response.then((r) => expiringSse(r, expiresAt, delay))
    : expiringSse(response, expiresAt, delay);
}

function expiringSse(response: EngineResponse, expiresAt: number, delay: number): EngineResponse {
  const body = response.body;
  if (!isStreamingBody(body)) return response;
  // A session whose timers the runtime owns stays an SSE session (a Durable
  // Object serves it over a hibernatable socket) and ends itself once expired.
  if (isSseStream(body) && body.endAt(expiresAt)) return response;
  return {
    status: response.status,
    headers: response.headers,
    body: new ExpiringBody(body, delay),
  };
}

/** A streaming body cancelled when the token expires. */
class ExpiringBody implements StreamingBody {
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly inner: StreamingBody,
    private readonly delay: number,
  ) {}

  start(sink: Parameters<StreamingBody["start"]>[0]): void {
    this.#timer = setTimeout(() => this.inner.cancel(), this.delay);
    this.inner.start(sink);
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.inner.cancel();
  }
}

/** A request whose abort signal also fires when its token expires. */
class ExpiringRequest implements EngineRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: EngineRequest["body"];
  #signal: AbortSignal | undefined;

  constructor(
    private readonly inner: EngineRequest,
    private readonly delay: number,
  ) {
    this.method = inner.method;
    this.path = inner.path;
    this.query = inner.query;
    this.body = inner.body;
  }

  header(name: string): string | null {
    return this.inner.header(name);
  }

  get signal(): AbortSignal {
    this.#signal ??= AbortSignal.any([this.inner.signal, AbortSignal.timeout(this.delay)]);
    return this.#signal;
  }
}
