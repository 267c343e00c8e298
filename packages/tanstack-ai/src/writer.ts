/**
 * Writes TanStack AI chunks into a durable stream exactly once (the client's
 * `pipeToStream` carries them through an idempotent producer). Before each
 * `TEXT_MESSAGE_START` of a session the producer is flushed, and the offset
 * where the message begins is recorded on the chunk (`durableStreamOffset`),
 * which is what forking the conversation "before this message" needs.
 */

import { type DurableStream, pipeToStream } from "@durastream/client";
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
  const state: RunState = { openMessages: new Set(), run: undefined };
  let tail = options.tail;
  const result = await pipeToStream<TanStackChunk>(source, stream, {
    producerId: `gen-${crypto.randomUUID()}`,
    signal: options.signal,
    close: options.close,
    onStop: options.onStop ? () => options.onStop!(state) : undefined,
    async encode(chunk, context) {
      let stored = options.session ? sanitizeChunkForStorage(chunk) : chunk;
      if (stored?.type === "TEXT_MESSAGE_START") {
        if (options.session) {
          tail = (await context.flush()) ?? tail;
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
      return JSON.stringify(stored);
    },
  });
  return { offset: result.offset ?? tail ?? "" };
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
