/**
 * IdempotentProducer: fire-and-forget appends with exactly-once delivery
 * (Section 5.2.1). Messages are batched (lingerMs / maxBatchBytes), batches
 * are pipelined (maxInFlight) under (Producer-Id, Producer-Epoch,
 * Producer-Seq), transient failures are retried for a time budget with the
 * same sequence number (the server deduplicates), and any failure that
 * remains is surfaced through `onError`, `flush()` and `append()` while the
 * undelivered messages are kept: `flush()` sends them again.
 */

import { STREAM_CLOSED_HEADER, STREAM_OFFSET_HEADER } from "@durastream/protocol";
import { DurableStreamError, SequenceGapError, StaleEpochError } from "./errors.js";
import type { AppendBody } from "./message-encoding.js";
import { readProducerAnswer } from "./producer-answer.js";
import type { Batch, FlushWaiter } from "./producer-batch.js";
import type { ProducerStream } from "./producer-stream.js";
import { ProducerTransport } from "./producer-transport.js";
import type { CloseResult, IdempotentProducerOptions, Offset } from "./types.js";
import { writeFailure } from "./write-request.js";

export { SequenceGapError, StaleEpochError } from "./errors.js";

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
  readonly #stream: ProducerStream;
  readonly #autoClaim: boolean;
  readonly #maxBatchBytes: number;
  readonly #lingerMs: number;
  readonly #maxInFlight: number;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #transport: ProducerTransport;
  /** Aborted when a run of sends fails, so its retries stop; replaced when sending resumes. */
  #run = new AbortController();
  /** The producer's signal fired: it stays failed. */
  #aborted = false;

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

  /**
   * @param stream - the stream to write to (its headers and params reach every request)
   * @param producerId - stable identity of this producer across restarts
   * @param opts - batching, pipelining and epoch options
   */
  constructor(stream: ProducerStream, producerId: string, opts?: IdempotentProducerOptions) {
    const epoch = opts?.epoch ?? 0;
    const maxBatchBytes = opts?.maxBatchBytes ?? 1024 * 1024;
    const maxInFlight = opts?.maxInFlight ?? 5;
    const lingerMs = opts?.lingerMs ?? 5;
    if (epoch < 0) throw new Error("epoch must be >= 0");
    if (maxBatchBytes <= 0) throw new Error("maxBatchBytes must be > 0");
    if (maxInFlight <= 0) throw new Error("maxInFlight must be > 0");
    if (lingerMs < 0) throw new Error("lingerMs must be >= 0");
    this.#stream = stream;
    this.#epoch = epoch;
    this.#autoClaim = opts?.autoClaim ?? false;
    this.#maxBatchBytes = maxBatchBytes;
    this.#maxInFlight = maxInFlight;
    this.#lingerMs = lingerMs;
    this.#onError = opts?.onError;
    this.#transport = new ProducerTransport(stream, producerId, opts);
    const signal = opts?.signal ?? stream._signal;
    if (signal) {
      const onAbort = () => {
        this.#aborted = true;
        const error = new DurableStreamError("Producer aborted", "ALREADY_CLOSED");
        error.cause = signal.reason;
        this.#fail(error);
        this.#run.abort(error);
      };
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

  /**
   * The messages accepted by `append()` and not acknowledged by the server,
   * in order: after a failure, what `flush()` would send again. Some may have
   * been stored already (when only the answer was lost); resending them
   * through this producer is deduplicated, appending them any other way is not.
   */
  unsentMessages(): Array<Uint8Array | string> {
    const out: Array<Uint8Array | string> = [];
    for (const batch of this.#queue) if (batch.state !== "acked") out.push(...batch.messages);
    out.push(...this.#pending);
    return out;
  }

  /** The greatest offset returned by a successful append or close. */
  get lastSuccessfulOffset(): Offset | undefined {
    return this.#lastSuccessfulOffset;
  }

  /**
   * Queues one message (a string or bytes; on JSON streams a serialized JSON
   * value). Returns immediately; delivery failures go to `onError`, and make
   * `flush()` reject. Throws when the producer is closed, or has failed and
   * `flush()` was not called again since.
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
   * rejects with the failure if delivery failed (for transient failures:
   * once the retry budget ran out). After a failure, calling `flush()` again
   * resends the undelivered messages with a fresh budget (unless the
   * producer's signal fired: then it rejects).
   */
  flush(): Promise<Offset | undefined> {
    if (this.#failure) {
      if (this.#aborted) return Promise.reject(this.#failure);
      this.#resume();
    }
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
    })().catch((error: unknown) => {
      this.#closing = undefined; // a later close() tries again
      throw error;
    });
    return this.#closing;
  }

  /**
   * Stops the producer without closing the stream: flushes what is pending
   * (errors are reported to `onError` only); later `append()` calls throw.
   * A producer that has failed is not retried: what it could not deliver
   * stays readable through `unsentMessages()`.
   */
  async detach(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#failure) return;
    try {
      await this.flush();
    } catch {
      // reported through onError
    }
  }

  /**
   * Flushes (unless the producer has failed), then starts a new session:
   * epoch + 1, sequence 0. Also clears a previous failure so the producer can
   * be used again. Batches that were sent and not acknowledged are dropped
   * (they may have been stored; read them first with `unsentMessages()`);
   * messages never sent are kept and go out in the new epoch.
   */
  async restart(): Promise<void> {
    if (!this.#failure) {
      try {
        await this.flush();
      } catch {
        // a failed producer is exactly what restart() recovers from
      }
    }
    if (this.#aborted) return;
    this.#generation++;
    this.#run.abort();
    this.#run = new AbortController();
    this.#queue = [];
    this.#failure = undefined;
    this.#epoch++;
    this.#nextSeq = 0;
    this.#epochAcknowledged = false;
  }

  /** After a failure: clear it and mark every undelivered batch for sending again. */
  #resume(): void {
    this.#failure = undefined;
    this.#run = new AbortController();
    for (const batch of this.#queue) {
      if (batch.state === "acked") continue;
      batch.state = "queued";
      batch.resendAfterSeq = undefined;
    }
    this.#pump();
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

  async #send(batch: Batch): Promise<void> {
    batch.state = "in-flight";
    this.#inFlight++;
    const generation = this.#generation;
    const run = this.#run.signal;
    const { epoch, seq } = batch;
    let response: Response | undefined;
    let error: unknown;
    try {
      await this.#transport.ensureMode();
      batch.body ??= this.#transport.body(batch.messages);
      const body = batch.body;
      response = await this.#transport.send(async () => {
        const { url, headers } = await this.#transport.target(epoch, seq);
        batch.lowestUnackedAtSend = this.#lowestUnackedSeq();
        return { url, init: { method: "POST", headers, body } };
      }, run);
    } catch (err) {
      error = err;
    }
    this.#inFlight--;
    if (generation !== this.#generation) {
      // Failed or restarted meanwhile: the batch's fate is decided elsewhere, but the slot is free.
      await response?.body?.cancel().catch(() => {});
      this.#pump();
      return;
    }
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
    const answer = readProducerAnswer(response, batch.epoch, batch.seq);
    if (answer.kind === "failed") throw await writeFailure(response, this.#stream.url);
    await response.body?.cancel().catch(() => {});
    switch (answer.kind) {
      case "accepted":
        batch.state = "acked";
        batch.messages = [];
        batch.body = undefined;
        this.#epochAcknowledged = true;
        this.#recordOffset(answer.offset);
        this.#dropAcked();
        return;
      case "fenced":
        if (!this.#autoClaim) throw new StaleEpochError(answer.currentEpoch);
        batch.state = "queued";
        this.#reclaimTo = Math.max(this.#reclaimTo ?? 0, answer.currentEpoch + 1, this.#epoch + 1);
        return;
      case "gap":
        if (this.#reclaimTo !== undefined) {
          batch.state = "queued"; // renumbered into the new epoch anyway
          return;
        }
        // The request overtook an earlier one of ours (lost on the way and being
        // retried, or just slower). Its refusal may even arrive after that earlier
        // one was acknowledged, so judge by what was unacknowledged when it was sent.
        if (answer.expectedSeq < batch.seq && answer.expectedSeq >= batch.lowestUnackedAtSend) {
          batch.state = "queued";
          batch.resendAfterSeq = answer.expectedSeq;
          return;
        }
        throw new SequenceGapError(answer.expectedSeq, answer.receivedSeq);
    }
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

  /**
   * Stops sending and reports `error`. Undelivered messages stay queued
   * (nothing accepted is dropped): `flush()` resends them, `unsentMessages()`
   * reads them back.
   */
  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#generation++;
    this.#run.abort(error); // the other batches' retries stop too
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lingerExpired = false;
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.#onError?.(error);
  }

  async #sendClose(finalMessage?: Uint8Array | string): Promise<CloseResult> {
    await this.#transport.ensureMode();
    const body = finalMessage === undefined ? null : this.#transport.body([finalMessage]);
    for (;;) {
      if (this.#failure) throw this.#failure; // aborted meanwhile
      const epoch = this.#epoch;
      const seq = this.#nextSeq;
      const response = await this.#transport.send(async () => {
        const { url, headers } = await this.#transport.target(epoch, seq, {
          [STREAM_CLOSED_HEADER]: "true",
        });
        return { url, init: { method: "POST", headers, body } };
      }, this.#run.signal);
      const answer = readProducerAnswer(response, epoch, seq);
      if (answer.kind === "accepted") {
        await response.body?.cancel().catch(() => {});
        this.#nextSeq = seq + 1;
        // A 204 (a repeated close) may carry the offset too.
        const finalOffset = response.headers.get(STREAM_OFFSET_HEADER) ?? "";
        this.#recordOffset(finalOffset);
        return { finalOffset };
      }
      if (answer.kind === "fenced") {
        await response.body?.cancel().catch(() => {});
        if (!this.#autoClaim) throw new StaleEpochError(answer.currentEpoch);
        this.#epoch = Math.max(answer.currentEpoch + 1, epoch + 1);
        this.#nextSeq = 0;
        continue;
      }
      throw await writeFailure(response, this.#stream.url);
    }
  }
}
