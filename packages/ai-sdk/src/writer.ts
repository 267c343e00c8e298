/**
 * Writes a generation into a durable stream exactly once and closes it.
 * An idempotent producer carries the chunks, so a retried append (a lost
 * acknowledgement, a reset connection) is stored once; closing the stream
 * (`Stream-Closed`) is what lets every reader end instead of waiting.
 */

import { type DurableStream, DurableStreamError, IdempotentProducer } from "@durastream/client";

export interface WriteOptions {
  producerId: string;
  /** Stops reading the source; the stream is closed with what was produced. */
  signal?: AbortSignal;
  /** Written after the last produced chunk when `signal` stops the generation. */
  abortChunk?: unknown;
}

/** The stream is already closed: nothing more to close. */
function isClosedError(error: unknown): boolean {
  return error instanceof DurableStreamError && error.code === "STREAM_CLOSED";
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
 * Appends every chunk of `source` (JSON-serialized) and closes the stream.
 * Resolves to the stream's final offset;
 * rejects with the source's or the writes' failure — after closing the stream
 * with what was produced, so readers are never left waiting.
 */
export async function writeChunks(
  source: AsyncIterable<unknown>,
  stream: DurableStream,
  options: WriteOptions,
): Promise<string> {
  let writeError: unknown;
  const producer = new IdempotentProducer(stream, options.producerId, {
    // A caller-chosen producer id may have written before: take the next epoch.
    autoClaim: true,
    // Tokens go out as they come; chunks produced within 1 ms share a request.
    lingerMs: 1,
    onError: (error) => {
      writeError ??= error;
    },
  });
  const iterator = source[Symbol.asyncIterator]();
  const stop = aborted(options.signal);
  let sourceError: unknown;
  let stopped = false;
  try {
    while (writeError === undefined) {
      const next = await Promise.race([iterator.next(), stop]);
      if (next === "aborted") {
        stopped = true;
        // The model call is cancelled; its own cleanup is not waited for.
        void Promise.resolve(iterator.return?.()).catch(() => {});
        break;
      }
      if (next.done) break;
      producer.append(JSON.stringify(next.value));
    }
  } catch (error) {
    sourceError = error;
  }
  // A stopped generation's last chunk and the closure land in one request.
  const last =
    stopped && options.abortChunk !== undefined ? JSON.stringify(options.abortChunk) : undefined;
  let finalOffset = "";
  try {
    finalOffset = (await producer.close(last)).finalOffset;
  } catch (error) {
    if (!isClosedError(error)) writeError ??= error;
  }
  if (writeError !== undefined) throw writeError;
  if (sourceError !== undefined) throw sourceError;
  return finalOffset;
}

/** Creates the stream unless it exists (an existing stream is reused as is). */
export async function ensureStream(
  stream: DurableStream,
  contentType: string,
  createIfMissing: boolean,
): Promise<void> {
  if (!createIfMissing) return;
  try {
    await stream.create({ contentType });
  } catch (error) {
    const exists =
      error instanceof DurableStreamError &&
      error.status === 409 &&
      (error.code === "CONFLICT_EXISTS" || error.code === "CONFLICT_SEQ");
    if (!exists) throw error;
  }
}

/** A producer id unique to one generation. */
export function newProducerId(): string {
  return `gen-${crypto.randomUUID()}`;
}
