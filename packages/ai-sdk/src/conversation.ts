/**
 * Opt-in conversation streams: beside the one stream per generation (the
 * official design, unchanged on the wire), a conversation stream records the
 * chat's turns in order — each message the user sent, and for each answer
 * the URL of its generation stream — every entry with the offset where it
 * begins. `useChat` sends the whole history with every request; when that
 * history leaves the recorded one (`regenerate()` drops the answer, editing
 * a message changes it), the turn is recorded on a fork of the conversation
 * at that entry's offset: the original conversation stays intact and
 * readable, and the branch goes on from there.
 */

import {
  forkStream,
  type HeadersRecord,
  openStreamTarget,
  pipeToStream,
  resolveHeaders,
  type StreamTarget,
  stream,
} from "@durastream/client";
import type { UIMessage } from "ai";

/** One entry of a conversation stream. */
export type ConversationEntry =
  /** A message as the client sent it (user turns; any message the server did not generate). */
  | { type: "message"; message: UIMessage; offset?: string }
  /** An answer: the generation stream holding its UI message chunks. */
  | { type: "generation"; streamUrl: string; offset?: string };

export interface RecordDurableConversationTurnOptions {
  /** The chat's current conversation stream (its branch), created when missing. */
  conversation: StreamTarget;
  /** The messages of the request, as `useChat` sent them (`body.messages`). */
  messages: UIMessage[];
  /** This turn's generation stream: the `readUrl` given to `toDurableStreamResponse`. */
  generationUrl: string | URL;
  /**
   * Where the branch is created when the turn leaves the recorded history
   * (default: the conversation's `writeUrl` with a random suffix).
   */
  branchUrl?: string | URL;
}

/** Where a turn was recorded. */
export interface ConversationTurn {
  /** The conversation stream the turn is on: the chat's current branch from now on. */
  writeUrl: string;
  /** The turn left the recorded history: `writeUrl` is a new fork. */
  forked: boolean;
  /** The fork's source, when `forked`. */
  forkedFrom?: string;
}

/** Whether the recorded `entry` is the request's `message` at the same position. */
function sameTurn(entry: ConversationEntry, message: UIMessage): boolean {
  if (entry.type === "generation") return message.role === "assistant";
  return (
    entry.message.role === message.role &&
    JSON.stringify(entry.message.parts) === JSON.stringify(message.parts)
  );
}

/**
 * Every entry of a conversation stream, in order, each with the offset where
 * it begins.
 */
export async function readDurableConversation(options: {
  url: string | URL;
  headers?: HeadersRecord;
  fetchClient?: typeof fetch;
}): Promise<ConversationEntry[]> {
  const response = await stream<ConversationEntry>({
    url: options.url,
    json: true,
    live: false,
    headers: options.headers,
    ...(options.fetchClient ? { fetch: options.fetchClient } : {}),
  });
  return response.json<ConversationEntry>();
}

/**
 * Records one turn: the request's messages the conversation does not hold
 * yet, then this turn's generation. Entries are matched by position — a
 * user message by role and parts, an answer by role — so a request whose
 * history is shorter than the recorded one (`regenerate()`) or differs from
 * it (an edited message) is recorded on a fork of the conversation at the
 * first entry it leaves; everything before stays shared, nothing after is
 * touched. Call it before `toDurableStreamResponse` and keep the returned
 * `writeUrl` as the chat's current branch.
 *
 * A retried request (the same history again) is a regenerate too: it forks.
 *
 * @example
 * ```ts
 * const turn = await recordDurableConversationTurn({
 *   conversation: { writeUrl: branches.get(id) ?? `${streams}/conversation/${id}` },
 *   messages,
 *   generationUrl: readUrl,
 * });
 * branches.set(id, turn.writeUrl);
 * ```
 */
export async function recordDurableConversationTurn(
  options: RecordDurableConversationTurnOptions,
): Promise<ConversationTurn> {
  const opened = await openStreamTarget({
    ...options.conversation,
    contentType: "application/json",
  });
  const headers = await resolveHeaders(options.conversation.headers);
  const source = opened.stream.url;
  const entries = await readDurableConversation({
    url: source,
    headers,
    ...(options.conversation.fetchClient ? { fetchClient: options.conversation.fetchClient } : {}),
  });
  const { messages } = options;
  let shared = 0;
  while (
    shared < entries.length &&
    shared < messages.length &&
    sameTurn(entries[shared]!, messages[shared]!)
  ) {
    shared++;
  }

  let target = opened.stream;
  let tail: string | undefined;
  const forked = shared < entries.length;
  if (forked) {
    const branchUrl = String(options.branchUrl ?? `${source}-${crypto.randomUUID().slice(0, 8)}`);
    const fork = await forkStream({
      url: branchUrl,
      source,
      offset: entries[shared]!.offset,
      headers,
      ...(options.conversation.fetchClient ? { fetch: options.conversation.fetchClient } : {}),
    });
    target = fork.stream;
    tail = fork.nextOffset;
  } else {
    const head = await target.head();
    tail = head.exists ? head.offset : undefined;
  }

  const added: ConversationEntry[] = [
    ...messages.slice(shared).map((message) => ({ type: "message" as const, message })),
    { type: "generation", streamUrl: String(options.generationUrl) },
  ];
  async function* fromArray() {
    yield* added;
  }
  await pipeToStream<ConversationEntry>(fromArray(), target, {
    close: false,
    // Each entry records where it begins: what a later fork branches at.
    async encode(entry, context) {
      tail = (await context.flush()) ?? tail;
      return JSON.stringify(tail === undefined ? entry : { ...entry, offset: tail });
    },
  });
  return { writeUrl: target.url, forked, ...(forked ? { forkedFrom: source } : {}) };
}
