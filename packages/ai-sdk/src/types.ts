import type { StreamTarget } from "@durastream/client";
import type { ChatTransport, UIMessage } from "ai";

/**
 * Where a generation is written, and the URL readers are told to read
 * (`writeUrl`, `readUrl?`, `headers?`, `contentType?` — default
 * `application/json`, one UI message chunk per message — `createIfMissing?`,
 * `fetchClient?`): the client's `StreamTarget`.
 */
export type DurableStreamTarget = StreamTarget;

/** `immediate`: answer as soon as the stream exists; `await`: answer once the generation is written. */
export type ToDurableStreamResponseMode = `immediate` | `await`;

/** A runtime's keep-alive hook (`ctx.waitUntil` on Workers, `after()` on Next.js). */
export type WaitUntil = (promise: Promise<unknown>) => void;

export type ToDurableStreamResponseOptions = {
  /** The UI message chunks to write, usually `result.toUIMessageStream()`. */
  source: AsyncIterable<unknown>;
  stream: DurableStreamTarget;
  mode?: ToDurableStreamResponseMode;
  waitUntil?: WaitUntil;
  /** Add `Access-Control-Expose-Headers: Location` (default true) so browsers can read it. */
  exposeLocationHeader?: boolean;
  /**
   * Stops the generation: reading the source ends, an `abort` chunk is
   * written after what was produced, and the stream is closed so every
   * reader ends. Wire it to the endpoint your stop button calls.
   */
  signal?: AbortSignal;
  /**
   * Producer id of the writes (default: a random id per generation). Writes
   * are idempotent under it: a retried append is stored once.
   */
  producerId?: string;
};

export type DurableChatTransportOptions = {
  /** Endpoint the messages are POSTed to; it answers with the stream's URL. */
  api: string;
  /** Endpoint asked for the in-flight generation on resume (default `${api}/${chatId}/stream`). */
  reconnectApi?: string;
  headers?: HeadersInit;
  fetchClient?: typeof fetch;
  /**
   * Endpoint told when the user stops a generation (`POST { id: chatId }`).
   * Without it, stopping only stops reading and the server keeps writing.
   */
  stopApi?: string | ((chatId: string) => string);
};

export type DurableChatTransport<UIMessageT extends UIMessage = UIMessage> =
  ChatTransport<UIMessageT>;
