/**
 * The engine of a read: catch-up GETs until `upToDate`, then live tailing by
 * long-poll or SSE, resuming from the last delivered position after any
 * transient failure (5xx, 429, dropped connection) with backoff and jitter,
 * and consulting `onError` on every request that fails otherwise. In a
 * browser, a live read pauses while the page is hidden.
 */

import {
  CURSOR_QUERY_PARAM,
  isClosedFlag,
  isJsonContentType,
  isSseTextContentType,
  LIVE_QUERY_PARAM,
  OFFSET_QUERY_PARAM,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_SSE_DATA_ENCODING_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "@durastream/protocol";
import {
  Backoff,
  type BackoffOptions,
  isRetryableStatus,
  parseRetryAfterHeader,
  sleep,
} from "./backoff.js";
import { Chunk } from "./chunk.js";
import { DurableStreamError, FetchError, networkFailure } from "./errors.js";
import { OnErrorPacing } from "./on-error-pacing.js";
import { PageVisibility } from "./page-visibility.js";
import { attemptSignal } from "./request-timeout.js";
import { mergeHeaders, resolveHeaders, urlWithParams } from "./resolve.js";
import { SseEventReader, sseChunkData } from "./sse-events.js";
import type {
  HeadersRecord,
  LiveMode,
  Offset,
  ParamsRecord,
  SSEResilienceOptions,
  StreamErrorHandler,
} from "./types.js";

/** Everything a session needs to issue its requests. */
export interface ReadSessionConfig {
  url: string;
  startOffset: Offset;
  live: LiveMode;
  headers?: HeadersRecord;
  params?: ParamsRecord;
  fetch: typeof globalThis.fetch;
  backoff: BackoffOptions;
  onError?: StreamErrorHandler;
  jsonHint: boolean;
  sseResilience?: SSEResilienceOptions;
  signal?: AbortSignal;
  /** Aborts (and retries) a request with no response head after this long (ms). */
  requestTimeoutMs?: number;
}

type RequestKind = "catch-up" | "long-poll" | "sse";

const SESSION_ENDED = Symbol("session ended");
/** A request given up because the page was hidden; also the abort reason that says so. */
const PAUSED = Symbol("paused while the page is hidden");

/** A pull-based read session over one stream URL. */
export class ReadSession {
  readonly url: string;
  readonly live: LiveMode;
  readonly startOffset: Offset;
  contentType: string | undefined;
  /** Headers, status and status text of the latest response. */
  lastResponse: { headers: Headers; status: number; statusText: string } = {
    headers: new Headers(),
    status: 0,
    statusText: "",
  };
  /** Stop once `upToDate` is reached even when live (body/json/text). */
  stopAfterUpToDate = false;

  #offset: Offset;
  #cursor: string | undefined;
  #upToDate = false;
  #streamClosed = false;
  #headers: HeadersRecord | undefined;
  #params: ParamsRecord | undefined;
  readonly #config: ReadSessionConfig;
  readonly #abort = new AbortController();
  readonly #resilience: Required<SSEResilienceOptions>;
  #first: Chunk | undefined;
  #useSse: boolean;
  #sse: SseEventReader | undefined;
  #sseBase64 = false;
  #sseRequest: AbortController | undefined;
  /** The catch-up or long-poll request in flight (SSE connections are `#sseRequest`). */
  #request: AbortController | undefined;
  #visibility: PageVisibility | undefined;
  #sseStartedAt = 0;
  #shortConnections = 0;
  readonly #reconnectBackoff: Backoff;
  /** Spaces out retries `onError` asks for; reset by any successful response. */
  readonly #onErrorPacing: OnErrorPacing;

  constructor(config: ReadSessionConfig) {
    this.#config = config;
    this.url = config.url;
    this.live = config.live;
    this.startOffset = config.startOffset;
    this.#offset = config.startOffset;
    this.#headers = config.headers;
    this.#params = config.params;
    this.#useSse = config.live === "sse";
    this.#resilience = {
      minConnectionDuration: config.sseResilience?.minConnectionDuration ?? 1000,
      maxShortConnections: config.sseResilience?.maxShortConnections ?? 3,
      backoffBaseDelay: config.sseResilience?.backoffBaseDelay ?? 100,
      backoffMaxDelay: config.sseResilience?.backoffMaxDelay ?? 5000,
      logWarnings: config.sseResilience?.logWarnings ?? true,
    };
    this.#reconnectBackoff = new Backoff(config.backoff);
    this.#onErrorPacing = new OnErrorPacing(config.backoff);
    const signal = config.signal;
    if (signal) {
      if (signal.aborted) this.#abort.abort(signal.reason);
      else signal.addEventListener("abort", () => this.cancel(signal.reason), { once: true });
    }
  }

  /** Whether messages are JSON (content type or `json` hint). */
  get isJson(): boolean {
    return (
      this.#config.jsonHint ||
      (this.contentType !== undefined && isJsonContentType(this.contentType))
    );
  }

  /** Whether the session was cancelled. */
  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  /**
   * Issues the first request (a catch-up read at the start offset). Rejects
   * when it fails and `onError` does not ask for a retry.
   */
  async open(): Promise<void> {
    // The first request is never paused: stream() resolves with its answer.
    const result = await this.#send("catch-up", this.#abort.signal, true);
    if (result === SESSION_ENDED || result === PAUSED) {
      throw new DurableStreamError("Stream request was aborted", "UNKNOWN");
    }
    this.contentType = result.response.headers.get("content-type") ?? undefined;
    if (
      this.live === true &&
      this.contentType !== undefined &&
      isSseTextContentType(this.contentType)
    ) {
      this.#useSse = true;
    }
    this.#first = this.#chunkFromResponse(result.response, result.body);
  }

  /** The next chunk, or `undefined` when the session is over. Throws on a terminal error. */
  async next(): Promise<Chunk | undefined> {
    const first = this.#first;
    if (first) {
      this.#first = undefined;
      return first;
    }
    try {
      return await this.#nextChunk();
    } catch (err) {
      this.#visibility?.dispose();
      throw err;
    }
  }

  async #nextChunk(): Promise<Chunk | undefined> {
    for (;;) {
      if (this.aborted || this.#streamClosed) return this.#end();
      if (this.#upToDate && (this.live === false || this.stopAfterUpToDate)) return this.#end();
      if (this.#tailing) this.#visibility ??= PageVisibility.watch(() => this.#pauseRequests());
      if (this.#paused) {
        await this.#visibility!.whenVisible(this.#abort.signal);
        continue; // resumes from the last delivered offset
      }
      const wasUpToDate = this.#upToDate;
      let chunk: Chunk | undefined;
      // An open SSE connection keeps serving the catch-up itself (a control
      // event without upToDate just means more follows on the same
      // connection); switching to GETs would leave its buffered events to be
      // delivered again later.
      if (!this.#upToDate && !this.#sse) {
        const result = await this.#fetchBody("catch-up");
        if (result === SESSION_ENDED) return this.#end();
        if (result === PAUSED) continue;
        chunk = this.#chunkFromResponse(result.response, result.body);
      } else if (this.#useSse) {
        const next = await this.#nextSseChunk();
        if (next === SESSION_ENDED) return this.#end();
        if (next === undefined) continue;
        chunk = next;
      } else {
        const result = await this.#fetchBody("long-poll");
        if (result === SESSION_ENDED) return this.#end();
        if (result === PAUSED) continue;
        chunk = this.#chunkFromResponse(result.response, result.body);
      }
      if (!chunk.empty || chunk.streamClosed || (chunk.upToDate && !wasUpToDate)) return chunk;
    }
  }

  /** Cancels the session and any request in flight. */
  cancel(reason?: unknown): void {
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
    this.#request?.abort(reason);
    this.#closeSse();
    this.#visibility?.dispose();
  }

  #end(): undefined {
    this.#closeSse();
    this.#visibility?.dispose();
    return undefined;
  }

  /** Whether the session keeps tailing the stream (so it pauses while the page is hidden). */
  get #tailing(): boolean {
    return this.live !== false && !this.stopAfterUpToDate;
  }

  get #paused(): boolean {
    return this.#tailing && this.#visibility?.hidden === true;
  }

  /** The page was hidden: give up the request in flight; the session waits until it is shown. */
  #pauseRequests(): void {
    if (!this.#tailing) return;
    this.#request?.abort(PAUSED);
    if (this.#sseRequest) {
      this.#sseRequest.abort(PAUSED);
      this.#sse?.cancel();
    }
  }

  /** A controller for one request, aborted with the session too. */
  #newRequest(): AbortController {
    const request = new AbortController();
    if (this.aborted) request.abort(this.#abort.signal.reason);
    return request;
  }

  /** What an aborted request means: the session ended, or the page was hidden. */
  #interruption(signal: AbortSignal): typeof SESSION_ENDED | typeof PAUSED {
    return !this.aborted && signal.reason === PAUSED ? PAUSED : SESSION_ENDED;
  }

  #closeSse(): void {
    this.#sse?.cancel();
    this.#sse = undefined;
    this.#sseRequest?.abort();
    this.#sseRequest = undefined;
  }

  #applyPosition(
    offset: string | null | undefined,
    cursor: string | null | undefined,
    upToDate: boolean,
    closed: boolean,
  ): void {
    if (offset) this.#offset = offset;
    if (cursor) this.#cursor = cursor;
    this.#upToDate = upToDate || closed;
    this.#streamClosed = closed;
  }

  #chunkFromResponse(response: Response, body: Uint8Array): Chunk {
    const h = response.headers;
    this.#applyPosition(
      h.get(STREAM_OFFSET_HEADER),
      h.get(STREAM_CURSOR_HEADER),
      h.has(STREAM_UP_TO_DATE_HEADER),
      isClosedFlag(h.get(STREAM_CLOSED_HEADER)),
    );
    return new Chunk(body, this.#offset, this.#cursor, this.#upToDate, this.#streamClosed);
  }

  async #buildRequest(
    kind: RequestKind,
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const url = await urlWithParams(this.url, this.#params);
    url.searchParams.set(OFFSET_QUERY_PARAM, this.#offset);
    if (kind !== "catch-up") url.searchParams.set(LIVE_QUERY_PARAM, kind);
    if (this.#cursor) url.searchParams.set(CURSOR_QUERY_PARAM, this.#cursor);
    return { url: url.toString(), headers: await resolveHeaders(this.#headers) };
  }

  /**
   * Sends one request with retries. Transient failures are retried with
   * backoff; others go to `onError`, whose answer decides between retrying
   * (with merged headers/params) and failing.
   */
  async #send(
    kind: RequestKind,
    signal: AbortSignal,
    readBody: boolean,
  ): Promise<{ response: Response; body: Uint8Array } | typeof SESSION_ENDED | typeof PAUSED> {
    const backoff = new Backoff(this.#config.backoff);
    for (;;) {
      let failure: Error;
      let retryAfter = 0;
      let transient = false;
      let requestUrl: string | undefined; // set once the request is built: later failures are the network's
      let responseStatus = 0;
      // The timeout covers the response head only: the body (an SSE stream) may last for hours.
      const attempt = attemptSignal(signal, this.#config.requestTimeoutMs, true);
      try {
        const request = await this.#buildRequest(kind);
        requestUrl = request.url;
        let response: Response;
        try {
          response = await this.#config.fetch(request.url, {
            method: "GET",
            headers: request.headers,
            signal: attempt.signal,
          });
        } finally {
          attempt.done();
        }
        responseStatus = response.status;
        if (response.ok) {
          this.#onErrorPacing.reset();
          this.lastResponse = {
            headers: response.headers,
            status: response.status,
            statusText: response.statusText,
          };
          const body =
            readBody && response.status !== 204
              ? new Uint8Array(await response.arrayBuffer())
              : new Uint8Array(0);
          // An SSE body is read later, under the link to `signal`; a read body is done.
          if (readBody) attempt.release();
          return { response, body };
        }
        failure = await FetchError.fromResponse(response, requestUrl);
        transient = isRetryableStatus(response.status);
        retryAfter = parseRetryAfterHeader(response.headers.get("retry-after"));
      } catch (err) {
        if (signal.aborted) return this.#interruption(signal);
        const timeout = attempt.timedOut();
        if (timeout && requestUrl !== undefined) {
          failure = networkFailure(timeout, requestUrl);
          transient = true;
        } else if (err instanceof DurableStreamError) {
          failure = err;
        } else if (requestUrl === undefined) {
          // building the request failed, e.g. a header function: not the network's fault
          failure = err instanceof Error ? err : new Error(String(err));
          transient = true;
        } else {
          failure = networkFailure(err, requestUrl, responseStatus);
          transient = true; // network error or broken body
        }
      }
      attempt.release(); // this attempt failed: a retry links its own
      if (transient && backoff.canRetry()) {
        try {
          await sleep(backoff.next(retryAfter), signal);
        } catch {
          return this.#interruption(signal);
        }
        continue;
      }
      const handler = this.#config.onError;
      if (!handler) throw failure;
      const retry = await handler(failure);
      if (retry === undefined || retry === null || typeof retry !== "object") throw failure;
      if (retry.headers) this.#headers = mergeHeaders(this.#headers, retry.headers);
      if (retry.params) this.#params = { ...this.#params, ...retry.params };
      backoff.reset();
      try {
        await this.#onErrorPacing.wait(signal);
      } catch {
        return this.#interruption(signal);
      }
      if (signal.aborted) return this.#interruption(signal);
    }
  }

  async #fetchBody(kind: "catch-up" | "long-poll") {
    const request = this.#newRequest();
    this.#request = request;
    try {
      return await this.#send(kind, request.signal, true);
    } finally {
      if (this.#request === request) this.#request = undefined;
    }
  }

  /** Opens an SSE connection at the current offset. */
  async #connectSse(): Promise<boolean> {
    if (this.aborted) return false;
    const request = this.#newRequest();
    this.#sseRequest = request; // cancel() and #pauseRequests() abort it
    const result = await this.#send("sse", request.signal, false);
    if (result === SESSION_ENDED || result === PAUSED) return false;
    const { response } = result;
    const encoding = response.headers.get(STREAM_SSE_DATA_ENCODING_HEADER);
    this.#sseBase64 =
      encoding !== null
        ? encoding.toLowerCase() === "base64"
        : this.contentType !== undefined &&
          !isSseTextContentType(this.contentType) &&
          !this.#config.jsonHint;
    if (!response.body) return false;
    this.#sse = new SseEventReader(response.body);
    this.#sseStartedAt = Date.now();
    return true;
  }

  /**
   * The next chunk from SSE: the data events up to and including the next
   * control event. `undefined` means "nothing to deliver yet, loop again"
   * (e.g. after a reconnect or a fallback to long-poll).
   */
  async #nextSseChunk(): Promise<Chunk | undefined | typeof SESSION_ENDED> {
    if (!this.#sse) {
      const connected = await this.#connectSse();
      if (!connected) return this.aborted ? SESSION_ENDED : undefined;
    }
    const sse = this.#sse!;
    const request = this.#sseRequest;
    const parts: string[] = [];
    for (;;) {
      let event: Awaited<ReturnType<SseEventReader["next"]>>;
      let broken = false;
      try {
        event = await sse.next();
      } catch (err) {
        if (this.aborted) return SESSION_ENDED;
        if (err instanceof DurableStreamError && err.code === "PARSE_ERROR") throw err;
        event = undefined;
        broken = true;
      }
      if (event === undefined) {
        // Connection ended: data without its control event is not committed; resume from the last control offset.
        if (request?.signal.reason === PAUSED) {
          this.#closeSse(); // paused, not a failing connection
          return undefined;
        }
        await this.#afterSseConnectionEnd(broken);
        return this.aborted ? SESSION_ENDED : undefined;
      }
      if (event.type === "data") {
        parts.push(event.data);
        continue;
      }
      this.#reconnectBackoff.reset();
      this.#applyPosition(
        event.streamNextOffset,
        event.streamCursor,
        event.upToDate,
        event.streamClosed,
      );
      return new Chunk(
        sseChunkData(parts, this.#sseBase64, this.isJson),
        this.#offset,
        this.#cursor,
        this.#upToDate,
        this.#streamClosed,
      );
    }
  }

  async #afterSseConnectionEnd(broken: boolean): Promise<void> {
    const lived = Date.now() - this.#sseStartedAt;
    this.#closeSse();
    if (this.#streamClosed || this.aborted) return;
    let delay = 0;
    if (lived < this.#resilience.minConnectionDuration) {
      this.#shortConnections++;
      if (this.#shortConnections >= this.#resilience.maxShortConnections) {
        this.#useSse = false;
        this.#shortConnections = 0;
        if (this.#resilience.logWarnings) {
          console.warn(
            "[DurableStream] SSE connections keep closing immediately (a buffering proxy?); falling back to long-poll.",
          );
        }
        return;
      }
      const ceiling = Math.min(
        this.#resilience.backoffMaxDelay,
        this.#resilience.backoffBaseDelay * 2 ** this.#shortConnections,
      );
      delay = Math.random() * ceiling;
    } else {
      this.#shortConnections = 0;
    }
    if (broken) delay = Math.max(delay, this.#reconnectBackoff.next());
    if (delay > 0) {
      try {
        await sleep(delay, this.#abort.signal);
      } catch {
        // cancelled
      }
    }
  }
}
