/**
 * A bounded window of the messages a tail received: the newest `capacity`
 * are kept, older ones are counted as dropped. A tail of a stream with
 * millions of messages keeps constant memory and a list of constant length.
 */

/** One message (JSON), or one chunk as received (text and bytes). */
export interface TailMessage {
  /** Position in the tail session, from 0. */
  readonly seq: number;
  /** Offset of the batch the message came in. */
  readonly batchOffset: string;
  /** Index of the message in its batch. */
  readonly index: number;
  /** Messages in that batch. */
  readonly batchSize: number;
  /** Offset following the batch. */
  readonly endOffset: string;
  readonly kind: "json" | "text" | "bytes";
  /** Parsed JSON value, text, or bytes. */
  readonly value: unknown;
  /** Size in bytes (length of the serialized text for JSON messages). */
  readonly bytes: number;
}

/** Messages kept per tail by default. */
export const DEFAULT_CAPACITY = 10_000;

/** A ring of the newest messages. */
export class MessageBuffer {
  readonly #ring: (TailMessage | undefined)[];
  #start = 0;
  #length = 0;
  #total = 0;

  constructor(readonly capacity = DEFAULT_CAPACITY) {
    this.#ring = new Array(capacity);
  }

  /** Messages kept. */
  get length(): number {
    return this.#length;
  }

  /** Messages received in all. */
  get total(): number {
    return this.#total;
  }

  /** Messages received but no longer kept. */
  get dropped(): number {
    return this.#total - this.#length;
  }

  push(message: TailMessage): void {
    this.#total++;
    if (this.#length < this.capacity) {
      this.#ring[(this.#start + this.#length) % this.capacity] = message;
      this.#length++;
      return;
    }
    this.#ring[this.#start] = message;
    this.#start = (this.#start + 1) % this.capacity;
  }

  /** The `i`-th kept message, oldest first. */
  at(i: number): TailMessage | undefined {
    if (i < 0 || i >= this.#length) return undefined;
    return this.#ring[(this.#start + i) % this.capacity];
  }

  /** The kept message with session position `seq`, if still kept. */
  bySeq(seq: number): TailMessage | undefined {
    const first = this.#total - this.#length;
    return this.at(seq - first);
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#start = 0;
    this.#length = 0;
    this.#total = 0;
  }
}
