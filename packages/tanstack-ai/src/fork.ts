/**
 * Branching a conversation (PROTOCOL.md 4.2): "regenerate from here" and
 * "edit an earlier message" fork the session stream just before that message
 * — the fork holds the conversation up to it — and the new answer or the
 * edited message is written into the fork. The original stream is untouched.
 * The fork itself is the client's `forkStream`.
 */

import {
  DurableStreamError,
  type ForkStreamResult,
  forkStream,
  type HeadersRecord,
  resolveHeaders,
} from "@durastream/client";
import { materializeSnapshotFromDurableStream } from "./client.js";

export interface ForkChatSessionOptions {
  /** The conversation's session stream. */
  source: string | URL;
  /** The branch's stream URL. */
  target: string | URL;
  /** The message the branch replaces: the fork holds everything before it. */
  beforeMessageId: string;
  headers?: HeadersRecord;
  fetchClient?: typeof fetch;
}

/** The branch: its URL, its handle and tail, and the messages it holds. */
export interface ForkChatSessionResult extends ForkStreamResult {
  url: string;
  // biome-ignore lint/suspicious/noExplicitAny: TanStack UI messages
  messages: Array<any>;
}

/**
 * Forks a session stream just before message `beforeMessageId` (where its
 * `TEXT_MESSAGE_START` was written). Regenerate an answer: fork before the
 * answer, then write the new one into the fork. Edit a message: fork before
 * it, then send the edited message to the fork. Resolves to the fork and the
 * messages it holds.
 */
export async function forkDurableChatSession(
  options: ForkChatSessionOptions,
): Promise<ForkChatSessionResult> {
  const headers = await resolveHeaders(options.headers);
  const snapshot = await materializeSnapshotFromDurableStream({
    readUrl: String(options.source),
    headers,
    ...(options.fetchClient ? { fetchClient: options.fetchClient } : {}),
  });
  const offset = snapshot.messageOffsets[options.beforeMessageId];
  if (offset === undefined) {
    throw new DurableStreamError(
      `Message ${options.beforeMessageId} has no recorded offset in ${String(options.source)}`,
      "NOT_FOUND",
      404,
    );
  }
  const fork = await forkStream({
    url: String(options.target),
    source: options.source,
    offset,
    headers,
    ...(options.fetchClient ? { fetch: options.fetchClient } : {}),
  });
  const index = snapshot.messages.findIndex((message) => message?.id === options.beforeMessageId);
  return { ...fork, url: fork.stream.url, messages: snapshot.messages.slice(0, index) };
}
