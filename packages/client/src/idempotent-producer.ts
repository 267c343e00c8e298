/**
 * IdempotentProducer: fire-and-forget appends with exactly-once delivery
 * (Section 5.2.1). Messages are batched (lingerMs / maxBatchBytes), batches
 * are pipelined (maxInFlight) under (Producer-Id, Producer-Epoch,
 * Producer-Seq), transient failures are retried a bounded number of times
 * with the same sequence number (the server deduplicates), and any failure
 * that remains is surfaced through `onError`, `flush()` and `append()`.
 */

import {
  isClosedFlag,
  isJsonContentType,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  PRODUCER_SEQ_HEADER,
  parseNonNegativeInteger,
  STREAM_CLOSED_HEADER,
  STREAM_OFFSET_HEADER,
} from "@durastream/protocol";
import { BackoffDefaults, type BackoffOptions, WRITE_MAX_RETRIES } from "./backoff.js";
import type { DurableStream } from "./durable-stream.js";
import { DurableStreamError, SequenceGapError, StaleEpochError } from "./errors.js";
import { type AppendBody, bytesBatchBody, jsonBatchBody } from "./message-encoding.js";
import { resolveHeaders, setHeader } from "./resolve.js";
import type { CloseResult, HeadersRecord, IdempotentProducerOptions, Offset } from "./types.js";
import { sendWithRetry, writeFailure } from "./write-request.js";

export { SequenceGapError, StaleEpochError } from "./errors.js";

/** A sealed batch: one POST, one producer sequence number. */
interface Batch {
  /** Monotonic id, independent of (epoch, seq) which change on re-claim. */
  readonly id: number;
  messages: AppendBody[];
  epoch: number;
  seq: number;
  state: "queued" | "in-flight" | "acked";
  /**
   * Refused with a sequence gap whose missing sequence is one of ours: resend
   * once the batch with this sequence is acknowledged.
   */
  resendAfterSeq: number | undefined;
  /**
   * Lowest unacknowledged sequence when the latest attempt was sent. Every
   * sequence from here to `seq - 1` was ours and not yet known to have landed,
   * so a gap the server reports in that range is explained by our own requests.
   */
  lowestUnackedAtSend: number;
  body: BodyInit | undefined;
}

interface FlushWaiter {
  target: number;
  resolve: (offset: Offset | undefined) => void;
  reject: (err: Error) => void;
}

/**
 * Exactly-once, batched, pipelined writer for one stream.
 *
 * @example
 * ```ts
 * const producer = new IdempotentProducer(handle, "my-service", {
 *   autoClaim: true,
 *   onError: (err) => console.error(err),
 * });
 * for (const event of events) producer.append(JSON.stringify(event));
 * const offset = await producer.flush(); // where the last write landed
 * await producer.close();
 * ```
 */
export class IdempotentProducer {
  readonly #stream: DurableStream;
  readonly #producerId: string;
  readonly #autoClaim: boolean;
  readonly #maxBatchBytes: number;
  readonly #lingerMs: number;
  readonly #maxInFlight: number;
  readonly #fetch: typeof globalThis.fetch;
  readonly #headers: HeadersRecord | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #backoff: BackoffOptions;

  #epoch: number;
  #nextSeq = 0;
  /**
   * Whether the server acknowledged a request of the current epoch. Until it
   * has, one request at a time: a new epoch must start at sequence 0, and a
   * successor overtaking a lost sequence 0 would be refused outright.
   */
  #epochAcknowledged = false;
  #pending: AppendBody[] = [];
  #pendingBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lingerExpired = false;
  #queue: Batch[] = [];
  #inFlight = 0;
  #batchIds = 0;
  #generation = 0;
  #reclaimTo: number | undefined;
  #failure: Error | undefined;
  #closed = false;
  #closing: Promise<CloseResult> | undefined;
  #flushWaiters: FlushWaiter[] = [];
  #lastSuccessfulOffset: Offset | undefined;
  #json: boolean | undefined;
  #contentType: string | undefined;
  #modeLookup: Promise<void> | undefined;

  /**
   * @param stream - the stream to write to (its headers and params reach every request)
   * @param producerId - stable identity of this producer across restarts
   * @param opts - batching, pipelining and epoch options
   */
  constructor(stream: DurableStream, producerId: string, opts?: IdempotentProducerOptions) {
    const epoch = opts?.epoch ?? 0;
    const maxBatchBytes = opts?.maxBatchBytes ?? 1024 * 1024;
    const maxInFlight = opts?.maxInFlight ?? 5;
    const lingerMs = opts?.lingerMs ?? 5;
    if (epoch < 0) throw new Error("epoch must be >= 0");
    if (maxBatchBytes <= 0) throw new Error("maxBatchBytes must be > 0");
    if (maxInFlight <= 0) throw new Error("maxInFlight must be > 0");
    if (lingerMs < 0) throw new Error("lingerMs must be >= 0");
    this.#stream = stream;
    this.#producerId = producerId;
    this.#epoch = epoch;
    this.#autoClaim = opts?.autoClaim ?? false;
    this.#maxBatchBytes = maxBatchBytes;
    this.#maxInFlight = maxInFlight;
    this.#lingerMs = lingerMs;
    this.#fetch = opts?.fetch ?? stream._fetch;
    this.#headers = opts?.headers;
    this.#signal = opts?.signal;
    this.#onError = opts?.onError;
    this.#backoff = {
      ...BackoffDefaults,
      maxRetries: WRITE_MAX_RETRIES,
      maxDelay: 5_000,
      ...opts?.backoffOptions,
    };
    const signal = this.#signal;
    if (signal) {
      const onAbort = () =>
        this.#fail(new DurableStreamError("Producer aborted", "ALREADY_CLOSED"));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  }

  /** Current epoch. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Sequence number the next sealed batch gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Messages waiting in the batch being filled. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Sealed batches not acknowledged yet (sending or waiting to be sent). */
  get inFlightCount(): number {
    return this.#queue.length;
  }

  /** The greatest offset returned by a successful append or close. */
  get lastSuccessfulOffset(): Offset | undefined {
    return this.#lastSuccessfulOffset;
  }

  /**
   * Queues one message (a string or bytes; on JSON streams a serialized JSON
   * value). Returns immediately; delivery failures go to `onError`, and make
   * `flush()` reject. Throws when the producer is closed or has failed.
   */
  append(body: Uint8Array | string): void {
    if (this.#closed) throw new DurableStreamError("Producer is closed", "ALREADY_CLOSED");
    if (this.#failure) throw this.#failure;
    let size: number;
    if (typeof body === "string") size = body.length;
    else if (body instanceof Uint8Array) size = body.length;
    else {
      throw new DurableStreamError(
        "append() requires string or Uint8Array. For objects, use JSON.stringify().",
        "BAD_REQUEST",
        400,
      );
    }
    this.#pending.push(body);
    this.#pendingBytes += size + 1;
    if (this.#pendingBytes >= this.#maxBatchBytes) this.#seal();
    else if (this.#timer === undefined && !this.#lingerExpired) {
      this.#timer = setTimeout(this.#onLinger, this.#lingerMs);
    }
  }

  /**
   * Sends what is pending and waits until every message appended so far is
   * acknowledged. Resolves to the offset where the last write landed;
   * rejects with the failure if delivery failed.
   */
  flush(): Promise<Offset | undefined> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#seal();
    if (this.#queue.length === 0) return Promise.resolve(this.#lastSuccessfulOffset);
    return new Promise((resolve, reject) => {
      this.#flushWaiters.push({ target: this.#batchIds, resolve, reject });
    });
  }

  /**
   * Flushes, then closes the stream (EOF), optionally appending
   * `finalMessage` atomically. Idempotent: repeated calls return the same result.
   */
  close(finalMessage?: Uint8Array | string): Promise<CloseResult> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await this.flush();
      return this.#sendClose(finalMessage);
    })();
    return this.#closing;
  }

  /**
   * Stops the producer without closing the stream: flushes what is pending
   * (errors are reported to `onError` only); later `append()` calls throw.
   */
  async detach(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } catch {
      // reported through onError
    }
  }

  /**
   * Flushes, then starts a new session: epoch + 1, sequence 0. Also clears
   * a previous failure so the producer can be used again.
   */
  async restart(): Promise<void> {
    try {
      await this.flush();
    } catch {
      // a failed producer is exactly what restart() recovers from
    }
    this.#generation++;
    this.#queue = [];
    this.#failure = undefined;
    this.#epoch++;
    this.#nextSeq = 0;
    this.#epochAcknowledged = false;
  }

  readonly #onLinger = (): void => {
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    if (this.#inFlight < this.#limit()) this.#seal();
    else this.#lingerExpired = true; // sealed as soon as a request slot frees up
  };

  #limit(): number {
    return this.#epochAcknowledged ? this.#maxInFlight : 1;
  }

  #seal(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#lingerExpired = false;
    if (this.#pending.length === 0 || this.#failure) return;
    const batch: Batch = {
      id: ++this.#batchIds,
      messages: this.#pending,
      epoch: this.#epoch,
      seq: this.#nextSeq++,
      state: "queued",
      resendAfterSeq: undefined,
      lowestUnackedAtSend: 0,
      body: undefined,
    };
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#queue.push(batch);
    this.#pump();
  }

  #pump(): void {
    if (this.#failure) return;
    if (this.#reclaimTo !== undefined) {
      if (this.#inFlight === 0) this.#finishReclaim();
      else return;
    }
    const limit = this.#limit();
    const lowestUnacked = this.#lowestUnackedSeq();
    for (const batch of this.#queue) {
      if (this.#inFlight >= limit) break;
      if (batch.state !== "queued") continue;
      if (batch.resendAfterSeq !== undefined) {
        // Everything from here on would meet the same gap until the missing batch lands.
        if (lowestUnacked <= batch.resendAfterSeq) break;
        batch.resendAfterSeq = undefined;
      }
      void this.#send(batch);
    }
    if (this.#lingerExpired && this.#inFlight < limit) this.#seal();
  }

  /** The server has applied every sequence below this one (as far as we know). */
  #lowestUnackedSeq(): number {
    // Acknowledged batches leave the front of the queue at once, so the front is unacknowledged.
    return this.#queue[0]?.seq ?? this.#nextSeq;
  }

  async #ensureMode(): Promise<void> {
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

  #buildBody(messages: AppendBody[]): BodyInit {
    return (this.#json ? jsonBatchBody(messages) : bytesBatchBody(messages)) as BodyInit;
  }

  async #headersFor(epoch: number, seq: number, extra?: Record<string, string>) {
    const target = await this.#stream._target();
    const headers = target.headers;
    const own = await resolveHeaders(this.#headers);
    for (const key of Object.keys(own)) setHeader(headers, key, own[key]!);
    setHeader(headers, "content-type", this.#contentType!);
    setHeader(headers, PRODUCER_ID_HEADER, this.#producerId);
    setHeader(headers, PRODUCER_EPOCH_HEADER, String(epoch));
    setHeader(headers, PRODUCER_SEQ_HEADER, String(seq));
    if (extra) for (const key of Object.keys(extra)) setHeader(headers, key, extra[key]!);
    return { url: target.url, headers };
  }

  async #send(batch: Batch): Promise<void> {
    batch.state = "in-flight";
    this.#inFlight++;
    const generation = this.#generation;
    const { epoch, seq } = batch;
    let response: Response | undefined;
    let error: unknown;
    try {
      await this.#ensureMode();
      batch.body ??= this.#buildBody(batch.messages);
      const body = batch.body;
      response = await sendWithRetry(
        this.#fetch,
        async () => {
          const { url, headers } = await this.#headersFor(epoch, seq);
          batch.lowestUnackedAtSend = this.#lowestUnackedSeq();
          return { url, init: { method: "POST", headers, body, signal: this.#signal ?? null } };
        },
        this.#backoff,
        this.#signal,
      );
    } catch (err) {
      error = err;
    }
    this.#inFlight--;
    if (generation !== this.#generation) return; // producer failed or restarted meanwhile
    try {
      if (response === undefined) throw error;
      await this.#settle(batch, response);
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.#pump();
  }

  async #settle(batch: Batch, response: Response): Promise<void> {
    const status = response.status;
    if (status === 200 || status === 204) {
      await response.body?.cancel().catch(() => {});
      batch.state = "acked";
      batch.messages = [];
      batch.body = undefined;
      this.#epochAcknowledged = true;
      if (status === 200) this.#recordOffset(response.headers.get(STREAM_OFFSET_HEADER));
      this.#dropAcked();
      return;
    }
    if (status === 403) {
      const current =
        parseNonNegativeInteger(response.headers.get(PRODUCER_EPOCH_HEADER) ?? "") ?? batch.epoch;
      await response.body?.cancel().catch(() => {});
      if (!this.#autoClaim) throw new StaleEpochError(current);
      batch.state = "queued";
      this.#reclaimTo = Math.max(this.#reclaimTo ?? 0, current + 1, this.#epoch + 1);
      return;
    }
    if (status === 409 && !isClosedFlag(response.headers.get(STREAM_CLOSED_HEADER))) {
      const expected = parseNonNegativeInteger(
        response.headers.get(PRODUCER_EXPECTED_SEQ_HEADER) ?? "",
      );
      const received =
        parseNonNegativeInteger(response.headers.get(PRODUCER_RECEIVED_SEQ_HEADER) ?? "") ??
        batch.seq;
      if (expected !== undefined) {
        await response.body?.cancel().catch(() => {});
        if (this.#reclaimTo !== undefined) {
          batch.state = "queued"; // renumbered into the new epoch anyway
          return;
        }
        // The request overtook an earlier one of ours (lost on the way and being
        // retried, or just slower). Its refusal may even arrive after that earlier
        // one was acknowledged, so judge by what was unacknowledged when it was sent.
        if (expected < batch.seq && expected >= batch.lowestUnackedAtSend) {
          batch.state = "queued";
          batch.resendAfterSeq = expected;
          return;
        }
        throw new SequenceGapError(expected, received);
      }
    }
    throw await writeFailure(response, this.#stream.url);
  }

  #dropAcked(): void {
    let n = 0;
    while (n < this.#queue.length && this.#queue[n]!.state === "acked") n++;
    if (n > 0) this.#queue.splice(0, n);
    const front = this.#queue[0]?.id ?? Number.POSITIVE_INFINITY;
    if (this.#flushWaiters.length === 0) return;
    const still: FlushWaiter[] = [];
    for (const waiter of this.#flushWaiters) {
      if (waiter.target < front) waiter.resolve(this.#lastSuccessfulOffset);
      else still.push(waiter);
    }
    this.#flushWaiters = still;
  }

  /** After a fence with autoClaim: every unacknowledged batch is renumbered into the new epoch, in order. */
  #finishReclaim(): void {
    this.#epoch = this.#reclaimTo!;
    this.#reclaimTo = undefined;
    this.#epochAcknowledged = false;
    let seq = 0;
    for (const batch of this.#queue) {
      if (batch.state === "acked") continue;
      batch.epoch = this.#epoch;
      batch.seq = seq++;
      batch.state = "queued";
      batch.resendAfterSeq = undefined;
    }
    this.#nextSeq = seq;
  }

  #recordOffset(offset: string | null): void {
    if (
      offset &&
      (this.#lastSuccessfulOffset === undefined || offset > this.#lastSuccessfulOffset)
    ) {
      this.#lastSuccessfulOffset = offset;
    }
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#generation++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lingerExpired = false;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#queue = [];
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.#onError?.(error);
  }

  async #sendClose(finalMessage?: Uint8Array | string): Promise<CloseResult> {
    await this.#ensureMode();
    const body = finalMessage === undefined ? null : this.#buildBody([finalMessage]);
    for (;;) {
      const epoch = this.#epoch;
      const seq = this.#nextSeq;
      const response = await sendWithRetry(
        this.#fetch,
        async () => {
          const { url, headers } = await this.#headersFor(epoch, seq, {
            [STREAM_CLOSED_HEADER]: "true",
          });
          return { url, init: { method: "POST", headers, body, signal: this.#signal ?? null } };
        },
        this.#backoff,
        this.#signal,
      );
      if (response.status === 200 || response.status === 204) {
        await response.body?.cancel().catch(() => {});
        this.#nextSeq = seq + 1;
        const finalOffset = response.headers.get(STREAM_OFFSET_HEADER) ?? "";
        this.#recordOffset(finalOffset);
        return { finalOffset };
      }
      if (response.status === 403) {
        const current =
          parseNonNegativeInteger(response.headers.get(PRODUCER_EPOCH_HEADER) ?? "") ?? epoch;
        await response.body?.cancel().catch(() => {});
        if (!this.#autoClaim) throw new StaleEpochError(current);
        this.#epoch = Math.max(current + 1, epoch + 1);
        this.#nextSeq = 0;
        continue;
      }
      throw await writeFailure(response, this.#stream.url);
    }
  }
}
