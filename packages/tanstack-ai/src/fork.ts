/**
 * Branching a conversation (PROTOCOL.md 4.2): "regenerate from here" and
 * "edit an earlier message" fork the session stream just before that message
 * — the fork holds the conversation up to it — and the new answer or the
 * edited message is written into the fork. The original stream is untouched.
 */

import { DurableStreamError, type HeadersRecord } from "@durastream/client";
import { materializeSnapshotFromDurableStream } from "./client.js";
import { resolveHeaders } from "./headers.js";

export interface ForkDurableStreamOptions {
  /** The stream to branch from (same server as `target`). */
  source: string | URL;
  /** The new stream's URL. */
  target: string | URL;
  /** The fork holds the source's data before this offset (default: all of it). */
  offset?: string;
  headers?: HeadersRecord;
  fetchClient?: typeof fetch;
}

export interface ForkResult {
  url: string;
  /** Where the fork's own appends start. */
  nextOffset: string | undefined;
}

/**
 * Creates `target` as a fork of `source` at `offset` (`PUT` with
 * `Stream-Forked-From` and `Stream-Fork-Offset`). A different stream already
 * at `target` is a 409 `DurableStreamError`.
 */
export async function forkDurableStream(options: ForkDurableStreamOptions): Promise<ForkResult> {
  const target = new URL(String(options.target));
  const source = new URL(String(options.source), target);
  if (source.origin !== target.origin) {
    throw new DurableStreamError(
      "A fork's source must be on the same server as the fork",
      "BAD_REQUEST",
      400,
    );
  }
  const headers: Record<string, string> = {
    ...(await resolveHeaders(options.headers)),
    "Stream-Forked-From": source.pathname,
  };
  if (options.offset !== undefined) headers["Stream-Fork-Offset"] = options.offset;
  const response = await (options.fetchClient ?? fetch)(target, { method: "PUT", headers });
  if (!response.ok) throw await DurableStreamError.fromResponse(response, target.href);
  await response.body?.cancel();
  return { url: target.href, nextOffset: response.headers.get("Stream-Next-Offset") ?? undefined };
}

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

/**
 * Forks a session stream just before message `beforeMessageId` (where its
 * `TEXT_MESSAGE_START` was written). Regenerate an answer: fork before the
 * answer, then write the new one into the fork. Edit a message: fork before
 * it, then send the edited message to the fork. Resolves to the fork and the
 * messages it holds.
 */
export async function forkDurableChatSession(
  options: ForkChatSessionOptions,
  // biome-ignore lint/suspicious/noExplicitAny: TanStack UI messages
): Promise<ForkResult & { messages: Array<any> }> {
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
  const fork = await forkDurableStream({ ...options, headers, offset });
  const index = snapshot.messages.findIndex((message) => message?.id === options.beforeMessageId);
  return { ...fork, messages: snapshot.messages.slice(0, index) };
}
