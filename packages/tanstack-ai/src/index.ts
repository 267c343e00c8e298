/**
 * @durastream/tanstack-ai — TanStack AI over Durable Streams. A drop-in for
 * `@durable-streams/tanstack-ai-transport` 0.0.9 (same exports, options and
 * wire format), plus exactly-once writes, stop, and conversation forks.
 *
 * @packageDocumentation
 */

export { MESSAGE_OFFSET_FIELD, sanitizeChunkForStorage, toMessageEchoChunks } from "./chunks.js";
export { durableStreamConnection, materializeSnapshotFromDurableStream } from "./client.js";
export {
  type ForkChatSessionOptions,
  type ForkChatSessionResult,
  forkDurableChatSession,
} from "./fork.js";
export {
  appendSanitizedChunksToStream,
  ensureDurableChatSessionStream,
  pipeSanitizedChunksToStream,
  toDurableChatSessionResponse,
  toDurableStreamResponse,
} from "./server.js";
export type {
  DurableChatSessionStreamTarget,
  DurableSessionConnection,
  DurableSessionMessage,
  DurableSessionMessagePart,
  DurableStreamConnection,
  DurableStreamConnectionOptions,
  DurableStreamTarget,
  TanStackChunk,
  ToDurableChatSessionResponseOptions,
  ToDurableStreamResponseMode,
  ToDurableStreamResponseOptions,
  WaitUntil,
} from "./types.js";
