/**
 * The chunks a chat session stream holds, and the messages they make. The
 * stored form of `TEXT_MESSAGE_CONTENT` drops the accumulated `content`
 * (each chunk keeps its `delta` only), so a session stores every token once.
 * `TEXT_MESSAGE_START` chunks written by this package also carry
 * `durableStreamOffset`, the offset where the message begins: the point a
 * fork of the conversation "before this message" starts from.
 */

import type { TanStackChunk } from "./types.js";

/** The field of `TEXT_MESSAGE_START` that records where the message begins in the stream. */
export const MESSAGE_OFFSET_FIELD = "durableStreamOffset";

// biome-ignore lint/suspicious/noExplicitAny: messages are TanStack UI messages of any shape
type AnyMessage = any;

/** A chunk as stored: `TEXT_MESSAGE_CONTENT` without its accumulated `content`. */
export function sanitizeChunkForStorage<TChunk extends TanStackChunk>(chunk: TChunk): TChunk {
  if (
    chunk &&
    typeof chunk === "object" &&
    (chunk as { type?: string }).type === "TEXT_MESSAGE_CONTENT"
  ) {
    const { content: _content, ...rest } = chunk as Record<string, unknown>;
    return rest as TChunk;
  }
  return chunk;
}

function textOf(message: {
  parts?: Array<{ type?: string; content?: string; text?: string }>;
}): string {
  if (!Array.isArray(message?.parts)) return "";
  return message.parts
    .filter((part) => part?.type === "text")
    .map((part) =>
      typeof part.content === "string"
        ? part.content
        : typeof part.text === "string"
          ? part.text
          : "",
    )
    .join("");
}

function roleOf(role: string | undefined): "user" | "assistant" | "system" | "tool" {
  return role === "assistant" || role === "system" || role === "tool" ? role : "user";
}

/**
 * A client message as the chunks that replay it (`TEXT_MESSAGE_START`,
 * `TEXT_MESSAGE_CONTENT` with the whole text, `TEXT_MESSAGE_END`), so the
 * user's messages are part of the session every reader sees.
 */
export function toMessageEchoChunks(message: {
  id?: string;
  role?: string;
  parts?: Array<{ type?: string; content?: string; text?: string }>;
}): Array<TanStackChunk> {
  const messageId =
    typeof message.id === "string" && message.id.length > 0 ? message.id : crypto.randomUUID();
  const text = textOf(message);
  const timestamp = Date.now();
  const common = { messageId, model: "client", timestamp };
  return [
    {
      type: "TEXT_MESSAGE_START",
      messageId,
      role: roleOf(message.role),
      model: "client",
      timestamp,
    },
    ...(text.length > 0 ? [{ type: "TEXT_MESSAGE_CONTENT", ...common, delta: text }] : []),
    { type: "TEXT_MESSAGE_END", ...common },
  ];
}

/** The messages `chunks` make, applied over `current` (text messages; other chunks pass through). */
export function applyChunksToMessages(
  current: ReadonlyArray<AnyMessage>,
  chunks: ReadonlyArray<TanStackChunk>,
): AnyMessage[] {
  let messages: AnyMessage[] = [...current];
  const indexOf = (messageId: string, role: string): number => {
    const found = messages.findIndex((message) => message?.id === messageId);
    if (found >= 0) return found;
    messages = [
      ...messages,
      { id: messageId, role: role === "tool" ? "assistant" : role, parts: [] },
    ];
    return messages.length - 1;
  };
  for (const chunk of chunks) {
    if (!chunk || typeof chunk !== "object" || typeof chunk.type !== "string") continue;
    if (chunk.type === "MESSAGES_SNAPSHOT") {
      messages = Array.isArray(chunk.messages)
        ? chunk.messages.map((message: AnyMessage) => ({
            ...message,
            parts: Array.isArray(message?.parts) ? [...message.parts] : [],
          }))
        : [];
    } else if (chunk.type === "TEXT_MESSAGE_START") {
      if (typeof chunk.messageId === "string" && typeof chunk.role === "string") {
        indexOf(chunk.messageId, chunk.role);
      }
    } else if (chunk.type === "TEXT_MESSAGE_CONTENT" && typeof chunk.messageId === "string") {
      const index = indexOf(chunk.messageId, "assistant");
      const message = messages[index];
      const parts = Array.isArray(message.parts) ? [...message.parts] : [];
      const delta =
        typeof chunk.delta === "string"
          ? chunk.delta
          : typeof chunk.content === "string"
            ? chunk.content
            : "";
      let last = -1;
      for (let i = parts.length - 1; i >= 0; i--) {
        if (parts[i]?.type === "text") {
          last = i;
          break;
        }
      }
      const text = textOf(message) + delta;
      if (last >= 0) parts[last] = { ...parts[last], content: text };
      else parts.push({ type: "text", content: text });
      messages[index] = { ...message, parts };
    }
  }
  return messages;
}

/** Where each message begins in the stream, from the `TEXT_MESSAGE_START` chunks that recorded it. */
export function messageOffsetsOf(chunks: ReadonlyArray<TanStackChunk>): Record<string, string> {
  const offsets: Record<string, string> = {};
  for (const chunk of chunks) {
    if (chunk?.type !== "TEXT_MESSAGE_START" || typeof chunk.messageId !== "string") continue;
    const offset = chunk[MESSAGE_OFFSET_FIELD];
    if (typeof offset === "string" && !(chunk.messageId in offsets))
      offsets[chunk.messageId] = offset;
  }
  return offsets;
}
