/**
 * StreamResponse: the consumer side of a read session. Offers promise
 * helpers, ReadableStreams and subscribers over the same session; only one
 * of them may be used (`ALREADY_CONSUMED` otherwise). Position fields
 * (`offset`, `cursor`, `upToDate`, `streamClosed`) advance when data is
 * handed to the consumer, so `offset` is always a safe resume point.
 */

import {
  asAsyncIterableReadableStream,
  type ReadableStreamAsyncIterable,
} from "./async-iterable.js";
import type { Chunk } from "./chunk.js";
import { DurableStreamError } from "./errors.js";
import type { ReadSession } from "./read-session.js";
import type {
  ByteChunk,
  JsonBatch,
  LiveMode,
  Offset,
  StreamResponse as StreamResponseShape,
  TextChunk,
} from "./types.js";

/** Implementation of {@link StreamResponseShape}. */
export class StreamResponseImpl<TJson = unknown> implements StreamResponseShape<TJson> {
  readonly #session: ReadSession;
  #consumedBy: string | undefined;
  #offset: Offset;
  #cursor: string | undefined;
  #upToDate = false;
  #streamClosed = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  #rejectClosed!: (err: Error) => void;
  #settled = false;

  constructor(session: ReadSession) {
    this.#session = session;
    this.#offset = session.startOffset;
    this.#closed = new Promise<void>((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    this.#closed.catch(() => {}); // observed through `closed` by whoever cares
  }

  get url(): string {
    return this.#session.url;
  }
  get contentType(): string | undefined {
    return this.#session.contentType;
  }
  get live(): LiveMode {
    return this.#session.live;
  }
  get startOffset(): Offset {
    return this.#session.startOffset;
  }
  get headers(): Headers {
    return this.#session.lastResponse.headers;
  }
  get status(): number {
    return this.#session.lastResponse.status;
  }
  get statusText(): string {
    return this.#session.lastResponse.statusText;
  }
  get ok(): boolean {
    const status = this.#session.lastResponse.status;
    return status >= 200 && status < 300;
  }
  get isLoading(): boolean {
    return false;
  }
  get offset(): Offset {
    return this.#offset;
  }
  get cursor(): string | undefined {
    return this.#cursor;
  }
  get upToDate(): boolean {
    return this.#upToDate;
  }
  get streamClosed(): boolean {
    return this.#streamClosed;
  }
  get closed(): Promise<void> {
    return this.#closed;
  }

  #claim(method: string): void {
    if (this.#consumedBy !== undefined) {
      throw new DurableStreamError(
        `Cannot call ${method}() - this StreamResponse is already being consumed via ${this.#consumedBy}()`,
        "ALREADY_CONSUMED",
      );
    }
    this.#consumedBy = method;
  }

  #requireJson(): void {
    if (!this.#session.isJson) {
      throw new DurableStreamError(
        `JSON methods are only valid for JSON-mode streams. Content-Type is "${this.contentType}" and json hint was not set.`,
        "BAD_REQUEST",
      );
    }
  }

  #markClosed(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolveClosed();
  }

  #markError(err: unknown): Error {
    const error = err instanceof Error ? err : new Error(String(err));
    if (!this.#settled) {
      this.#settled = true;
      this.#rejectClosed(error);
    }
    this.#session.cancel(error);
    return error;
  }

  /** Next chunk for the consumer; updates the delivered position. */
  async #pull(): Promise<Chunk | undefined> {
    let chunk: Chunk | undefined;
    try {
      chunk = await this.#session.next();
    } catch (err) {
      throw this.#markError(err);
    }
    if (!chunk) {
      this.#markClosed();
      return undefined;
    }
    this.#offset = chunk.offset;
    this.#cursor = chunk.cursor;
    this.#upToDate = chunk.upToDate;
    this.#streamClosed = chunk.streamClosed;
    return chunk;
  }

  #meta(chunk: Chunk): {
    offset: Offset;
    cursor?: string;
    upToDate: boolean;
    streamClosed: boolean;
  } {
    const meta: { offset: Offset; cursor?: string; upToDate: boolean; streamClosed: boolean } = {
      offset: chunk.offset,
      upToDate: chunk.upToDate,
      streamClosed: chunk.streamClosed,
    };
    if (chunk.cursor !== undefined) meta.cursor = chunk.cursor;
    return meta;
  }

  async body(): Promise<Uint8Array> {
    this.#claim("body");
    this.#session.stopAfterUpToDate = true;
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let chunk = await this.#pull(); chunk; chunk = await this.#pull()) {
      const bytes = chunk.bytes();
      if (bytes.length > 0) {
        parts.push(bytes);
        length += bytes.length;
      }
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(length);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  async json<T = TJson>(): Promise<Array<T>> {
    this.#claim("json");
    this.#requireJson();
    this.#session.stopAfterUpToDate = true;
    const items: T[] = [];
    for (let chunk = await this.#pull(); chunk; chunk = await this.#pull()) {
      let batch: T[];
      try {
        batch = chunk.items<T>();
      } catch (err) {
        throw this.#markError(err);
      }
      for (const item of batch) items.push(item);
    }
    return items;
  }

  async text(): Promise<string> {
    this.#claim("text");
    this.#session.stopAfterUpToDate = true;
    const decoder = new TextDecoder();
    let out = "";
    for (let chunk = await this.#pull(); chunk; chunk = await this.#pull()) {
      out += decoder.decode(chunk.bytes(), { stream: true });
    }
    return out + decoder.decode();
  }

  #byteSource(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        for (;;) {
          const chunk = await this.#pull();
          if (!chunk) {
            controller.close();
            return;
          }
          const bytes = chunk.bytes();
          if (bytes.length > 0) {
            controller.enqueue(bytes);
            return;
          }
        }
      },
      cancel: (reason) => this.cancel(reason),
    });
  }

  bodyStream(): ReadableStreamAsyncIterable<Uint8Array> {
    this.#claim("bodyStream");
    return asAsyncIterableReadableStream(this.#byteSource());
  }

  textStream(): ReadableStreamAsyncIterable<string> {
    this.#claim("textStream");
    const decoder = new TextDecoder();
    const text = this.#byteSource().pipeThrough(
      new TransformStream<Uint8Array, string>({
        transform(bytes, controller) {
          const s = decoder.decode(bytes, { stream: true });
          if (s) controller.enqueue(s);
        },
        flush(controller) {
          const rest = decoder.decode();
          if (rest) controller.enqueue(rest);
        },
      }),
    );
    return asAsyncIterableReadableStream(text);
  }

  jsonStream(): ReadableStreamAsyncIterable<TJson> {
    this.#claim("jsonStream");
    this.#requireJson();
    const items = new ReadableStream<TJson>({
      pull: async (controller) => {
        for (;;) {
          const chunk = await this.#pull();
          if (!chunk) {
            controller.close();
            return;
          }
          let batch: TJson[];
          try {
            batch = chunk.items<TJson>();
          } catch (err) {
            throw this.#markError(err);
          }
          if (batch.length > 0) {
            for (const item of batch) controller.enqueue(item);
            return;
          }
        }
      },
      cancel: (reason) => this.cancel(reason),
    });
    return asAsyncIterableReadableStream(items);
  }

  #subscribe(deliver: (chunk: Chunk) => void | Promise<void>): () => void {
    let active = true;
    const run = async () => {
      try {
        for (let chunk = await this.#pull(); chunk && active; chunk = await this.#pull()) {
          await deliver(chunk);
        }
        this.#markClosed();
      } catch (err) {
        if (active && !this.#session.aborted) this.#markError(err);
        else this.#markClosed();
      }
    };
    void run();
    return () => {
      active = false;
      this.cancel();
    };
  }

  subscribeJson<T = TJson>(subscriber: (batch: JsonBatch<T>) => void | Promise<void>): () => void {
    this.#claim("subscribeJson");
    this.#requireJson();
    return this.#subscribe((chunk) =>
      subscriber({ items: chunk.items<T>(), ...this.#meta(chunk) }),
    );
  }

  subscribeBytes(subscriber: (chunk: ByteChunk) => void | Promise<void>): () => void {
    this.#claim("subscribeBytes");
    return this.#subscribe((chunk) => subscriber({ data: chunk.bytes(), ...this.#meta(chunk) }));
  }

  subscribeText(subscriber: (chunk: TextChunk) => void | Promise<void>): () => void {
    this.#claim("subscribeText");
    const decoder = new TextDecoder();
    return this.#subscribe((chunk) =>
      subscriber({ text: decoder.decode(chunk.bytes(), { stream: true }), ...this.#meta(chunk) }),
    );
  }

  cancel(reason?: unknown): void {
    this.#session.cancel(reason);
    this.#markClosed();
  }
}
