/**
 * How an IdempotentProducer's requests are built and sent: batches framed
 * for the stream's content type, handle and producer headers merged
 * case-insensitively under the protocol headers,
 * transient failures retried within the retry budget, and refusals such as
 * an expired token (401) handed to `onRequestError`, which may answer with
 * fresh headers.
 */

import {
  isJsonContentType,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_SEQ_HEADER,
} from "@durastream/protocol";
import { type AppendBody, bytesBatchBody, jsonBatchBody } from "./message-encoding.js";
import { OnErrorPacing } from "./on-error-pacing.js";
import type { ProducerStream } from "./producer-stream.js";
import { checkRequestTimeout } from "./request-timeout.js";
import { mergeHeaders, resolveHeaders } from "./resolve.js";
import type { HeadersRecord, IdempotentProducerOptions, RetryOpts } from "./types.js";
import {
  type BuildRequest,
  sendWithRetry,
  type WriteRetryPolicy,
  writeFailure,
} from "./write-request.js";

/** Sends the requests of one producer. */
export class ProducerTransport {
  readonly #stream: ProducerStream;
  readonly #producerId: string;
  readonly #fetch: typeof globalThis.fetch;
  #headers: HeadersRecord | undefined;
  readonly #onRequestError: IdempotentProducerOptions["onRequestError"];
  readonly #policy: WriteRetryPolicy;
  readonly #pacing: OnErrorPacing;
  /** The pending `onRequestError` consultation, shared by requests failing meanwhile. */
  #retryDecision: Promise<RetryOpts | undefined> | undefined;
  #json: boolean | undefined;
  #contentType: string | undefined;
  #modeLookup: Promise<void> | undefined;

  constructor(stream: ProducerStream, producerId: string, opts?: IdempotentProducerOptions) {
    this.#stream = stream;
    this.#producerId = producerId;
    this.#fetch = opts?.fetch ?? stream._fetch;
    this.#headers = opts?.headers;
    this.#onRequestError = opts?.onRequestError;
    const inherited = stream._writePolicy(true);
    const budget = opts?.retryBudgetMs;
    if (budget !== undefined && !(budget >= 0)) throw new Error("retryBudgetMs must be >= 0");
    this.#policy = {
      backoff: { ...inherited.backoff, ...opts?.backoffOptions },
      budgetMs: budget ?? inherited.budgetMs,
      requestTimeoutMs:
        opts?.requestTimeoutMs === undefined
          ? inherited.requestTimeoutMs
          : checkRequestTimeout(opts.requestTimeoutMs),
      idempotent: true, // the server deduplicates by (Producer-Id, Producer-Epoch, Producer-Seq)
    };
    this.#pacing = new OnErrorPacing(this.#policy.backoff);
  }

  /** Looks up the stream's content type (once), which decides how batches are framed. */
  async ensureMode(): Promise<void> {
    if (this.#json !== undefined) return;
    this.#modeLookup ??= (async () => {
      const contentType = (await this.#stream._ensureContentType()) ?? "application/octet-stream";
      this.#contentType = contentType;
      this.#json = isJsonContentType(contentType);
    })();
    try {
      await this.#modeLookup;
    } catch (err) {
      this.#modeLookup = undefined;
      throw err;
    }
  }

  /** The body of a batch (after `ensureMode()`): a JSON array, or the messages' bytes concatenated. */
  body(messages: AppendBody[]): BodyInit {
    return (this.#json ? jsonBatchBody(messages) : bytesBatchBody(messages)) as BodyInit;
  }

  /**
   * URL and headers of a producer request (after `ensureMode()`): protocol
   * headers over producer headers over the handle's.
   */
  async target(
    epoch: number,
    seq: number,
    extra?: Record<string, string>,
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const target = await this.#stream._target();
    const headers = mergeHeaders(target.headers, await resolveHeaders(this.#headers), {
      "content-type": this.#contentType!,
      [PRODUCER_ID_HEADER]: this.#producerId,
      [PRODUCER_EPOCH_HEADER]: String(epoch),
      [PRODUCER_SEQ_HEADER]: String(seq),
      ...extra,
    });
    return { url: target.url, headers };
  }

  /**
   * Sends one request: transient failures are retried by `sendWithRetry`
   * within the budget; a refusal `onRequestError` answers with new headers
   * is sent again with them. Returns the final response (which may be a
   * failure); throws network failures, the refusal `onRequestError` declined,
   * or the abort reason.
   */
  async send(build: BuildRequest, signal: AbortSignal): Promise<Response> {
    for (;;) {
      const response = await sendWithRetry(this.#fetch, build, this.#policy, signal);
      if (response.ok) {
        this.#pacing.reset();
        return response;
      }
      if (!this.#onRequestError || !refusalWorthAsking(response)) return response;
      const error = await writeFailure(response, this.#stream.url);
      const retry = await this.#askRetry(error, signal);
      if (!retry) throw error;
    }
  }

  /** Consults `onRequestError` once for every request failing meanwhile, then paces the retry. */
  #askRetry(error: Error, signal: AbortSignal): Promise<RetryOpts | undefined> {
    this.#retryDecision ??= (async () => {
      try {
        const retry = (await this.#onRequestError!(error)) ?? undefined;
        if (typeof retry !== "object" || retry === null) return undefined;
        if (retry.headers) this.#headers = mergeHeaders(this.#headers, retry.headers);
        await this.#pacing.wait(signal);
        return retry;
      } finally {
        this.#retryDecision = undefined;
      }
    })();
    return this.#retryDecision;
  }
}

/**
 * Whether `onRequestError` may turn a refusal into a retry: a 4xx other than
 * the protocol's own answers (409 sequence gap or closed stream, 403 with the
 * current `Producer-Epoch`, a fence), e.g. 401 for an expired token.
 */
function refusalWorthAsking(response: Response): boolean {
  const status = response.status;
  if (status < 400 || status >= 500 || status === 409) return false;
  return !(status === 403 && response.headers.has(PRODUCER_EPOCH_HEADER));
}
