/**
 * `TransactionWriter`: writes change events through one idempotent producer
 * (exactly-once, pipelined) under a txid, and waits for them to come back
 * through the stream. A refused write rejects its caller and is dropped from
 * the producer, so it is never resent behind the caller's back.
 *
 * @module
 */
import { type DurableStream, IdempotentProducer } from "@durastream/client";
import type { ChangeEvent } from "../change-event.js";
import { randomId } from "./random-id.js";
import type { TxidTracker } from "./txid-tracker.js";
import type { StreamDBWriteOptions } from "./types.js";

export class TransactionWriter {
  readonly #stream: DurableStream;
  readonly #producerId: string;
  readonly #txids: TxidTracker;
  #producer: IdempotentProducer | undefined;
  /** Set while a failed producer is being reset for the next writes. */
  #recovering: Promise<void> | undefined;

  constructor(stream: DurableStream, producerId: string | undefined, txids: TxidTracker) {
    this.#stream = stream;
    this.#producerId = producerId ?? `stream-db-${randomId()}`;
    this.#txids = txids;
  }

  /** The producer, created on first use; `autoClaim` lets a reloaded page reuse its id. */
  get producer(): IdempotentProducer {
    this.#producer ??= new IdempotentProducer(this.#stream, this.#producerId, {
      autoClaim: true,
      lingerMs: 0,
    });
    return this.#producer;
  }

  async write(
    events: ChangeEvent | ReadonlyArray<ChangeEvent>,
    options: StreamDBWriteOptions = {},
  ): Promise<string> {
    const txid = options.txid ?? randomId();
    const list: ReadonlyArray<ChangeEvent> = Array.isArray(events)
      ? events
      : [events as ChangeEvent];
    while (this.#recovering) await this.#recovering;
    const producer = this.producer;
    for (const event of list) {
      producer.append(JSON.stringify({ ...event, headers: { ...event.headers, txid } }));
    }
    try {
      await producer.flush();
    } catch (error) {
      // Drop the refused batches (restart opens a new epoch) so a later flush
      // does not deliver a write whose caller was told it failed.
      this.#recovering ??= producer.restart().finally(() => {
        this.#recovering = undefined;
      });
      await this.#recovering;
      throw error;
    }
    await this.#txids.wait(txid, options.timeout);
    return txid;
  }

  /** Delivers what is pending, then stops the producer (the stream stays open). */
  async detach(): Promise<void> {
    await this.#producer?.detach();
  }
}
