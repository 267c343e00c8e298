/**
 * DurableStream: a cold handle to one stream URL for creating, inspecting,
 * writing, closing, deleting and reading it. No I/O until a method is called.
 */

import {
  isClosedFlag,
  isJsonContentType,
  STREAM_CLOSED_HEADER,
  STREAM_EXPIRES_AT_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_SEQ_HEADER,
  STREAM_TTL_HEADER,
} from "@durastream/protocol";
import { type BackoffOptions, WRITE_RETRY_BUDGET_MS, WriteBackoffDefaults } from "./backoff.js";
import { DurableStreamError, InvalidSignalError, MissingStreamUrlError } from "./errors.js";
import { warnIfUsingHttpInBrowser } from "./http-warning.js";
import { IdempotentProducer } from "./idempotent-producer.js";
import {
  type AppendBody,
  bytesBatchBody,
  createBody,
  jsonBatchBody,
  jsonMessageText,
  toAppendBody,
  toByteStream,
} from "./message-encoding.js";
import { checkRequestTimeout, combineSignals } from "./request-timeout.js";
import { mergeHeaders, resolveHeaders, setHeader, urlWithParams } from "./resolve.js";
import { stream as streamFn } from "./stream-api.js";
import type {
  AppendOptions,
  CloseOptions,
  CloseResult,
  CreateOptions,
  HeadResult,
  IdempotentProducerOptions,
  MaybePromise,
  ParamsRecord,
  StreamErrorHandler,
  StreamHandleOptions,
  StreamOptions,
  StreamResponse,
} from "./types.js";
import { sendWithRetry, type WriteRetryPolicy, writeFailure } from "./write-request.js";

/** Options of a DurableStream handle. */
export interface DurableStreamOptions extends StreamHandleOptions {
  /** Query parameters sent on every request. */
  params?: { [key: string]: string | (() => MaybePromise<string>) | undefined };
  /**
   * Retry timing of transient failures, for reads and writes. Writes default
   * to 100 ms doubling to 5 s and are bounded by `retryBudgetMs`; a finite
   * `maxRetries` caps them too.
   */
  backoffOptions?: BackoffOptions;
  /** Coalesce overlapping `append()` calls into one POST (default true). */
  batching?: boolean;
}

interface QueuedAppend {
  body: unknown;
  seq: string | undefined;
  contentType: string | undefined;
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A value `append()` accepts: bytes, text, or (on JSON streams) any JSON-serializable value. */
export type AppendValue = AppendBody | unknown;

/**
 * A handle to a remote durable stream.
 *
 * @example
 * ```ts
 * const handle = await DurableStream.create({ url, contentType: "application/json" });
 * await handle.append({ type: "order.created", orderId: "123" });
 * const items = await (await handle.stream({ live: false })).json();
 * ```
 */
export class DurableStream {
  /** The stream URL. */
  readonly url: string;
  /** The content type, once known (from options, create, head or a read). */
  contentType?: string;

  readonly #options: DurableStreamOptions;
  readonly #fetch: typeof globalThis.fetch;
  readonly #writeBackoff: BackoffOptions;
  readonly #retryBudgetMs: number;
  readonly #requestTimeoutMs: number | undefined;
  readonly #onError: StreamErrorHandler | undefined;
  readonly #batching: boolean;
  #buffer: QueuedAppend[] = [];
  #sending = false;

  /** Creates a cold handle; performs no I/O. */
  constructor(opts: DurableStreamOptions) {
    if (!opts?.url) throw new MissingStreamUrlError();
    if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal))
      throw new InvalidSignalError();
    this.url = opts.url instanceof URL ? opts.url.toString() : opts.url;
    warnIfUsingHttpInBrowser(this.url, opts.warnOnHttp);
    this.#options = { ...opts, url: this.url };
    if (opts.contentType) this.contentType = opts.contentType;
    this.#onError = opts.onError;
    this.#batching = opts.batching !== false;
    this.#fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#writeBackoff = { ...WriteBackoffDefaults, ...opts.backoffOptions };
    this.#retryBudgetMs = checkRetryBudget(opts.retryBudgetMs) ?? WRITE_RETRY_BUDGET_MS;
    this.#requestTimeoutMs = checkRequestTimeout(opts.requestTimeoutMs);
  }

  /** Creates the stream (PUT) and returns a handle. 409 `CONFLICT_EXISTS` if it exists with another configuration. */
  static async create(opts: CreateOptions): Promise<DurableStream> {
    const handle = new DurableStream(opts);
    await handle.create({
      contentType: opts.contentType,
      ttlSeconds: opts.ttlSeconds,
      expiresAt: opts.expiresAt,
      body: opts.body,
      closed: opts.closed,
    });
    return handle;
  }

  /** Checks that the stream exists (HEAD) and returns a handle with its content type. */
  static async connect(opts: DurableStreamOptions): Promise<DurableStream> {
    const handle = new DurableStream(opts);
    const head = await handle.head();
    if (!head.exists)
      throw new DurableStreamError(`Stream not found: ${handle.url}`, "NOT_FOUND", 404);
    return handle;
  }

  /** HEAD metadata without keeping a handle. */
  static async head(opts: DurableStreamOptions): Promise<HeadResult> {
    return new DurableStream(opts).head();
  }

  /** Deletes a stream without keeping a handle. */
  static async delete(opts: DurableStreamOptions): Promise<void> {
    return new DurableStream(opts).delete();
  }

  /**
   * URL (with params) and resolved headers for one request of this handle.
   * @internal used by IdempotentProducer so handle headers reach its requests.
   */
  async _target(): Promise<{ url: string; headers: Record<string, string> }> {
    const url = await urlWithParams(this.url, this.#options.params);
    return { url: url.toString(), headers: await resolveHeaders(this.#options.headers) };
  }

  /** @internal the handle's fetch implementation. */
  get _fetch(): typeof globalThis.fetch {
    return this.#fetch;
  }

  /** @internal the handle's default signal. */
  get _signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  /**
   * The retry policy of this handle's writes.
   * @internal used by IdempotentProducer for its defaults.
   */
  _writePolicy(idempotent: boolean): WriteRetryPolicy {
    return {
      backoff: this.#writeBackoff,
      budgetMs: this.#retryBudgetMs,
      requestTimeoutMs: this.#requestTimeoutMs,
      idempotent,
    };
  }

  /** Resolves the handle's headers (function values evaluated now). */
  async resolveHeaders(): Promise<Record<string, string>> {
    return resolveHeaders(this.#options.headers);
  }

  /**
   * The content type, fetching it with HEAD when not known yet.
   * @internal
   */
  async _ensureContentType(): Promise<string | undefined> {
    if (this.contentType === undefined) await this.head();
    return this.contentType;
  }

  /**
   * Sends one write with retries (see write-request.ts): `idempotent` resends
   * after any transient failure; `answered-or-unsent` after 429/5xx answers
   * and connections that never opened, not after a dropped connection or a
   * timeout; a streaming body (`once`) is never resent.
   */
  async #send(
    method: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
    resend: "idempotent" | "answered-or-unsent" | "once",
  ) {
    const policy = this._writePolicy(resend === "idempotent");
    if (resend === "once") policy.backoff = { ...policy.backoff, maxRetries: 0 };
    return sendWithRetry(
      this.#fetch,
      async () => {
        const target = await this._target();
        const headers = mergeHeaders(target.headers, init.headers as Record<string, string>);
        return { url: target.url, init: { ...init, method, headers, signal: signal ?? null } };
      },
      policy,
      signal,
    );
  }

  /** HEAD: existence, content type, tail offset, closure. */
  async head(opts?: { signal?: AbortSignal }): Promise<HeadResult> {
    const response = await this.#send(
      "HEAD",
      {},
      opts?.signal ?? this.#options.signal,
      "idempotent",
    );
    if (response.status === 404) return { exists: false };
    if (!response.ok) throw await writeFailure(response, this.url);
    const h = response.headers;
    const contentType = h.get("content-type") ?? undefined;
    if (contentType) this.contentType = contentType;
    return {
      exists: true,
      contentType,
      offset: h.get(STREAM_OFFSET_HEADER) ?? undefined,
      etag: h.get("etag") ?? undefined,
      cacheControl: h.get("cache-control") ?? undefined,
      streamClosed: isClosedFlag(h.get(STREAM_CLOSED_HEADER)),
    };
  }

  /** Creates this stream (PUT). Idempotent when the configuration matches. */
  async create(opts?: Omit<CreateOptions, keyof StreamOptions>): Promise<this> {
    const headers: Record<string, string> = {};
    const contentType = opts?.contentType ?? this.#options.contentType;
    if (contentType) headers["content-type"] = contentType;
    if (opts?.ttlSeconds !== undefined) headers[STREAM_TTL_HEADER] = String(opts.ttlSeconds);
    if (opts?.expiresAt) headers[STREAM_EXPIRES_AT_HEADER] = opts.expiresAt;
    if (opts?.closed) headers[STREAM_CLOSED_HEADER] = "true";
    const body = createBody(opts?.body);
    const streaming = typeof ReadableStream !== "undefined" && body instanceof ReadableStream;
    const init: RequestInit & { duplex?: string } = { headers, body: body ?? null };
    if (streaming) init.duplex = "half";
    const response = await this.#send(
      "PUT",
      init,
      this.#options.signal,
      streaming ? "once" : "idempotent",
    );
    if (!response.ok) throw await writeFailure(response, this.url, "create");
    await response.body?.cancel().catch(() => {});
    this.contentType = response.headers.get("content-type") ?? contentType ?? this.contentType;
    return this;
  }

  /** Deletes this stream. */
  async delete(opts?: { signal?: AbortSignal }): Promise<void> {
    const response = await this.#send(
      "DELETE",
      {},
      opts?.signal ?? this.#options.signal,
      "idempotent",
    );
    if (!response.ok) throw await writeFailure(response, this.url);
    await response.body?.cancel().catch(() => {});
  }

  /**
   * Closes the stream, optionally appending a final message atomically.
   * Without a body this is idempotent; with a body on an already closed
   * stream it throws {@link StreamClosedError}.
   */
  async close(opts?: CloseOptions): Promise<CloseResult> {
    const contentType = opts?.contentType ?? this.#options.contentType ?? this.contentType;
    const headers: Record<string, string> = { [STREAM_CLOSED_HEADER]: "true" };
    if (contentType) headers["content-type"] = contentType;
    let body: BodyInit | null = null;
    if (opts?.body !== undefined) {
      if (contentType && isJsonContentType(contentType))
        body = jsonBatchBody([jsonMessageText(opts.body)]);
      else body = bytesBatchBody([opts.body as AppendBody]) as BodyInit;
    }
    // Closing twice is harmless; a final message sent twice is refused the second time.
    const response = await this.#send(
      "POST",
      { headers, body },
      opts?.signal ?? this.#options.signal,
      body === null ? "idempotent" : "answered-or-unsent",
    );
    if (!response.ok) throw await writeFailure(response, this.url);
    await response.body?.cancel().catch(() => {});
    return { finalOffset: response.headers.get(STREAM_OFFSET_HEADER) ?? "" };
  }

  /**
   * Appends one message. On JSON streams strings are taken as serialized
   * JSON and any other value (object, array, number…) is serialized for you.
   * With batching (default), appends issued while a POST is in flight are
   * sent together in the next POST.
   */
  async append(body: AppendValue | Promise<AppendValue>, opts?: AppendOptions): Promise<void> {
    const value = isPromiseLike(body) ? await body : body;
    if (!this.#batching || opts?.producerId !== undefined) {
      return this.#sendAppends(
        [
          {
            body: value,
            seq: opts?.seq,
            contentType: opts?.contentType,
            signal: opts?.signal,
            resolve() {},
            reject() {},
          },
        ],
        opts,
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#buffer.push({
        body: value,
        seq: opts?.seq,
        contentType: opts?.contentType,
        signal: opts?.signal,
        resolve,
        reject,
      });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#buffer.length > 0) {
        const batch = this.#buffer;
        this.#buffer = [];
        try {
          await this.#sendAppends(batch);
          for (const m of batch) m.resolve();
        } catch (err) {
          // Later appends must not land after a failed earlier one: fail them too.
          const error = err instanceof Error ? err : new Error(String(err));
          const dropped = this.#buffer;
          this.#buffer = [];
          for (const m of batch) m.reject(error);
          for (const m of dropped) m.reject(error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  async #sendAppends(batch: QueuedAppend[], opts?: AppendOptions): Promise<void> {
    const contentType =
      batch[0]!.contentType ?? this.#options.contentType ?? (await this._ensureContentType());
    const headers: Record<string, string> = {};
    if (contentType) headers["content-type"] = contentType;
    let seq: string | undefined;
    for (const m of batch) if (m.seq !== undefined) seq = m.seq;
    if (seq !== undefined) headers[STREAM_SEQ_HEADER] = seq;
    if (opts?.producerId !== undefined) {
      headers["Producer-Id"] = opts.producerId;
      headers["Producer-Epoch"] = String(opts.producerEpoch ?? 0);
      headers["Producer-Seq"] = String(opts.producerSeq ?? 0);
    }
    let body: BodyInit;
    if (contentType && isJsonContentType(contentType)) {
      body = jsonBatchBody(batch.map((m) => jsonMessageText(m.body)));
    } else {
      body = bytesBatchBody(batch.map((m) => toAppendBody(m.body))) as BodyInit;
    }
    const signals = batch.map((m) => m.signal).filter((s): s is AbortSignal => s !== undefined);
    if (this.#options.signal) signals.push(this.#options.signal);
    const signal = combineSignals(signals);
    // Only producer headers make a resend safe: the server deduplicates by producer sequence.
    const resend = opts?.producerId !== undefined ? "idempotent" : "answered-or-unsent";
    const response = await this.#send("POST", { headers, body }, signal, resend);
    if (!response.ok) throw await writeFailure(response, this.url);
    await response.body?.cancel().catch(() => {});
  }

  /**
   * Appends a streaming body (ReadableStream or async iterable of strings or
   * bytes) as one POST. Not retried: a stream can be sent only once.
   */
  async appendStream(
    source: ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string>,
    opts?: AppendOptions,
  ): Promise<void> {
    const contentType =
      opts?.contentType ?? this.#options.contentType ?? (await this._ensureContentType());
    const headers: Record<string, string> = {};
    if (contentType) setHeader(headers, "content-type", contentType);
    if (opts?.seq) headers[STREAM_SEQ_HEADER] = opts.seq;
    const init: RequestInit & { duplex: string } = {
      headers,
      body: toByteStream(source),
      duplex: "half",
    };
    const response = await this.#send("POST", init, opts?.signal ?? this.#options.signal, "once");
    if (!response.ok) throw await writeFailure(response, this.url);
    await response.body?.cancel().catch(() => {});
  }

  /**
   * A WritableStream that appends every chunk through an auto-claiming
   * {@link IdempotentProducer}; closing it closes the stream.
   */
  writable(
    opts?: Pick<IdempotentProducerOptions, "headers" | "lingerMs" | "maxBatchBytes" | "onError"> & {
      producerId?: string;
      signal?: AbortSignal;
    },
  ): WritableStream<Uint8Array | string> {
    const producerId = opts?.producerId ?? `writable-${randomId()}`;
    let firstError: Error | undefined;
    const producer = new IdempotentProducer(this, producerId, {
      autoClaim: true,
      headers: opts?.headers,
      lingerMs: opts?.lingerMs,
      maxBatchBytes: opts?.maxBatchBytes,
      signal: opts?.signal ?? this.#options.signal,
      onError: (error) => {
        firstError ??= error;
        opts?.onError?.(error);
      },
    });
    return new WritableStream<Uint8Array | string>({
      write(chunk) {
        if (firstError) throw firstError;
        producer.append(chunk);
      },
      async close() {
        await producer.close();
        if (firstError) throw firstError;
      },
      abort() {
        producer
          .detach()
          .catch((err: unknown) =>
            opts?.onError?.(err instanceof Error ? err : new Error(String(err))),
          );
      },
    });
  }

  /**
   * Starts a read session with this handle's URL, headers, params, fetch and
   * backoff; call-specific headers and params take precedence.
   */
  async stream<TJson = unknown>(
    options?: Omit<StreamOptions, "url">,
  ): Promise<StreamResponse<TJson>> {
    const headers = mergeHeaders(this.#options.headers, options?.headers);
    const params: ParamsRecord = { ...this.#options.params, ...options?.params };
    const res = await streamFn<TJson>({
      url: this.url,
      headers,
      params,
      signal: options?.signal ?? this.#options.signal,
      fetch: options?.fetch ?? this.#options.fetch,
      backoffOptions: options?.backoffOptions ?? this.#options.backoffOptions,
      offset: options?.offset,
      live: options?.live,
      json: options?.json,
      onError: options?.onError ?? this.#onError,
      sseResilience: options?.sseResilience,
      warnOnHttp: options?.warnOnHttp ?? this.#options.warnOnHttp,
      requestTimeoutMs: options?.requestTimeoutMs ?? this.#requestTimeoutMs,
    });
    if (res.contentType && this.contentType === undefined) this.contentType = res.contentType;
    return res;
  }
}

function checkRetryBudget(value: number | undefined): number | undefined {
  if (value !== undefined && !(value >= 0)) throw new RangeError("retryBudgetMs must be >= 0");
  return value;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value != null && typeof (value as PromiseLike<unknown>).then === "function";
}

function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID().slice(0, 8);
  return Math.random().toString(36).slice(2, 10);
}
