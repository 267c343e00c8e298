/**
 * @durastream/ai-sdk — Vercel AI SDK chat over Durable Streams. A drop-in for
 * `@durable-streams/aisdk-transport` 0.0.7 (same exports, options and wire
 * format), plus stop, exactly-once writes and forks.
 *
 * @packageDocumentation
 */

export { createDurableChatTransport } from "./client.js";
export {
  type ConversationEntry,
  type ConversationTurn,
  type RecordDurableConversationTurnOptions,
  readDurableConversation,
  recordDurableConversationTurn,
} from "./conversation.js";
export {
  createProxyChatTransport,
  type ProxyChatTransportOptions,
  type ProxyStreamTextOptions,
} from "./proxy-transport.js";
export { toDurableStreamResponse } from "./server.js";
export type {
  DurableChatTransport,
  DurableChatTransportOptions,
  DurableStreamTarget,
  ToDurableStreamResponseMode,
  ToDurableStreamResponseOptions,
  WaitUntil,
} from "./types.js";
