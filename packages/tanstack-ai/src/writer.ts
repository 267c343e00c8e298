/**
 * Writes TanStack AI chunks into a durable stream exactly once. An
 * idempotent producer carries them, so a retried append is stored once.
 * Before each `TEXT_MESSAGE_START` the producer is flushed, and the offset
 * where the message begins is recorded on the chunk (`durableStreamOffset`),
 * which is what forking the conversation "before this message" needs.
 */

import { type DurableStream, DurableStreamError, IdempotentProducer } from "@durastream/client";
import { MESSAGE_OFFSET_FIELD, sanitizeChunkForStorage } from "./chunks.js";
import type { TanStackChunk } from "./types.js";

export interface WriteOptions {
  /** Stops reading the source. */
  signal?: AbortSignal;
  /** Close the stream at the end (a per-generation stream) or keep it open (a session). */
  close: boolean;
  /** The stream's tail when writing starts: where the first message begins. */
  tail: string | undefined;
  /**
   * Session streams store chunks sanitized and record where each message
   * begins; a per-generation stream stores the chunks as they come.
   */
  session: boolean;
  /** Chunks written after what was produced when `signal` stopped the source. */
  onStop?: (state: RunState) => TanStackChunk[];
}

/** What a stopped run must end: messages still open, the run in progress. */
export interface RunState {
  openMessages: Set<string>;
  run: { threadId?: string; runId?: string } | undefined;
}

export interface WriteResult {
  /** The stream's offset after the last write (its final offset when closed). */
  offset: string;
}

function isClosedError(error: unknown): boolean {
  return error instanceof DurableStreamError && error.code === "STREAM_CLOSED";
}

function aborted(signal: AbortSignal | undefined): Promise<"aborted"> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve("aborted");
    else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
}

/** The stream's current tail offset. */
export async function tailOf(stream: DurableStream): Promise<string | undefined> {
  const head = await stream.head();
  return head.exists ? head.offset : undefined;
}

/**
 * Appends every chunk of `source` (sanitized). Source errors are thrown after
 * what was read is written (and, when `close`, after the stream is closed so
 * readers end).
 */
export async function writeChunks(
  source: AsyncIterable<TanStackChunk>,
  stream: DurableStream,
  options: WriteOptions,
): Promise<WriteResult> {
  let writeError: unknown;
  const producer = new IdempotentProducer(stream, `gen-${crypto.randomUUID()}`, {
    autoClaim: true,
    // Tokens go out as they come; chunks produced within 1 ms share a request.
    lingerMs: 1,
    onError: (error) => {
      writeError ??= error;
    },
  });
  const state: RunState = { openMessages: new Set(), run: undefined };
  let tail = options.tail;
  const append = async (chunk: TanStackChunk) => {
    let stored = options.session ? sanitizeChunkForStorage(chunk) : chunk;
    if (stored?.type === "TEXT_MESSAGE_START") {
      if (options.session) {
        tail = (await producer.flush()) ?? tail;
        if (tail !== undefined) stored = { ...stored, [MESSAGE_OFFSET_FIELD]: tail };
      }
      state.openMessages.add(stored.messageId);
    } else if (stored?.type === "TEXT_MESSAGE_END") {
      state.openMessages.delete(stored.messageId);
    } else if (stored?.type === "RUN_STARTED") {
      state.run = { threadId: stored.threadId, runId: stored.runId };
    } else if (stored?.type === "RUN_FINISHED" || stored?.type === "RUN_ERROR") {
      state.run = undefined;
    }
    producer.append(JSON.stringify(stored));
  };

  const iterator = source[Symbol.asyncIterator]();
  const stop = aborted(options.signal);
  let sourceError: unknown;
  let stopped = false;
  try {
    while (writeError === undefined) {
      const next = await Promise.race([iterator.next(), stop]);
      if (next === "aborted") {
        stopped = true;
        void Promise.resolve(iterator.return?.()).catch(() => {});
        break;
      }
      if (next.done) break;
      await append(next.value);
    }
    if (stopped && options.onStop) {
      for (const chunk of options.onStop(state)) await append(chunk);
    }
  } catch (error) {
    sourceError = error;
  }

  let offset = tail ?? "";
  try {
    if (options.close) offset = (await producer.close()).finalOffset;
    else {
      offset = (await producer.flush()) ?? offset;
      await producer.detach();
    }
  } catch (error) {
    if (!isClosedError(error)) writeError ??= error;
  }
  if (writeError !== undefined) throw writeError;
  if (sourceError !== undefined) throw sourceError;
  return { offset };
}

/** Creates the stream unless it exists. */
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

/** Ends a stopped run: close its open messages, then finish the run. */
export function stopChunks(state: RunState): TanStackChunk[] {
  const timestamp = Date.now();
  return [
    ...[...state.openMessages].map((messageId) => ({
      type: "TEXT_MESSAGE_END",
      messageId,
      timestamp,
    })),
    { type: "RUN_FINISHED", ...state.run, finishReason: "stop", timestamp },
  ];
}
