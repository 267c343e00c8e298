/**
 * `pipeToStream()`: writes an async iterable into a stream exactly once —
 * through an idempotent producer, so a retried append (a lost
 * acknowledgement, a reset connection) is stored once — and, by default,
 * closes the stream when the source ends, fails or is stopped, so readers
 * end instead of waiting. What the AI transports build a generation on.
 */

import { isJsonContentType } from "@durastream/protocol";
import type { DurableStream } from "./durable-stream.js";
import { DurableStreamError } from "./errors.js";
import { IdempotentProducer } from "./idempotent-producer.js";
import type { Offset } from "./types.js";

/** What `encode` may use while the pipe runs. */
export interface PipeContext {
  /**
   * Sends what is pending and resolves to the stream's offset after it (so
   * the next message begins there); `undefined` before the first write.
   */
  flush(): Promise<Offset | undefined>;
}

/** Options of {@link pipeToStream}. */
export interface PipeToStreamOptions<T> {
  /**
   * Producer id of the writes (default: a random one). The producer claims
   * the next epoch, so an id that wrote before can be reused.
   */
  producerId?: string;
  /** Stops reading the source: what was read is kept (the source's `return()` is called). */
  signal?: AbortSignal;
  /** Close the stream (`Stream-Closed`) when the pipe ends (default true). */
  close?: boolean;
  /** Values written after the last one read, when `signal` stopped the source. */
  onStop?: () => Iterable<T>;
  /**
   * The message a value is written as. Default: on JSON streams every value
   * is one JSON message (`JSON.stringify`); on others strings and bytes go
   * as they are, anything else as JSON text. May await `context.flush()` to
   * learn where the message will begin.
   */
  encode?: (value: T, context: PipeContext) => string | Uint8Array | Promise<string | Uint8Array>;
  /** Milliseconds a message waits for others to share its request (default 1: tokens go out as they come). */
  lingerMs?: number;
}

/** How a pipe ended. */
export interface PipeToStreamResult {
  /** The offset after the last write (the final offset when closed); `undefined` if nothing was written. */
  offset: Offset | undefined;
  /** `signal` stopped the source before it ended. */
  stopped: boolean;
}

/** JSON streams: every value is one JSON message; others: strings and bytes as they are. */
async function defaultEncoder(
  stream: DurableStream,
): Promise<(value: unknown) => string | Uint8Array> {
  const contentType = await stream._ensureContentType();
  if (contentType !== undefined && isJsonContentType(contentType)) {
    return (value) => JSON.stringify(value);
  }
  return (value) =>
    typeof value === "string" || value instanceof Uint8Array ? value : JSON.stringify(value);
}

/** Resolves when `signal` aborts; never when there is none. */
function aborted(signal: AbortSignal | undefined): Promise<"aborted"> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
}

/**
 * Appends every value of `source` to `stream` exactly once, then closes the
 * stream (unless `close: false`). When `signal` fires, reading stops, the
 * `onStop` values are written and the stream is closed with what was
 * produced. A failure of the source or of the writes rejects — after what
 * was read is stored and the stream closed, so readers are never left
 * waiting; a write failure is reported before a source failure.
 *
 * @example
 * ```ts
 * const stream = await DurableStream.create({ url, contentType: "application/json" });
 * async function* tokens() {
 *   yield { token: "Hel" };
 *   yield { token: "lo" };
 * }
 * const { offset } = await pipeToStream(tokens(), stream);
 * ```
 */
export async function pipeToStream<T>(
  source: AsyncIterable<T>,
  stream: DurableStream,
  options: PipeToStreamOptions<T> = {},
): Promise<PipeToStreamResult> {
  let writeError: unknown;
  const producer = new IdempotentProducer(
    stream,
    options.producerId ?? `pipe-${crypto.randomUUID()}`,
    {
      autoClaim: true,
      lingerMs: options.lingerMs ?? 1,
      onError: (error) => {
        writeError ??= error;
      },
    },
  );
  const context: PipeContext = { flush: () => producer.flush() };
  const encode = options.encode ?? (await defaultEncoder(stream));
  const close = options.close !== false;
  const iterator = source[Symbol.asyncIterator]();
  const stop = aborted(options.signal);
  let sourceError: unknown;
  let stopped = false;
  let last: string | Uint8Array | undefined;
  try {
    while (writeError === undefined) {
      const next = await Promise.race([iterator.next(), stop]);
      if (next === "aborted") {
        stopped = true;
        // The source is cancelled; its own cleanup is not waited for.
        void Promise.resolve(iterator.return?.()).catch(() => {});
        break;
      }
      if (next.done) break;
      producer.append(await encode(next.value, context));
    }
    if (stopped && options.onStop) {
      const encoded: Array<string | Uint8Array> = [];
      for (const value of options.onStop()) encoded.push(await encode(value, context));
      // When closing, the last one and the closure land in one request.
      if (close) last = encoded.pop();
      for (const message of encoded) producer.append(message);
    }
  } catch (error) {
    sourceError = error;
  }
  let offset: Offset | undefined;
  try {
    if (close) offset = (await producer.close(last)).finalOffset;
    else {
      offset = await producer.flush();
      await producer.detach();
    }
  } catch (error) {
    const alreadyClosed = error instanceof DurableStreamError && error.code === "STREAM_CLOSED";
    if (!alreadyClosed) writeError ??= error;
  }
  if (writeError !== undefined) throw writeError;
  if (sourceError !== undefined) throw sourceError;
  return { offset, stopped };
}
