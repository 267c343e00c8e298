export type { JWK } from "jose";
export {
  Access,
  type AuthConfig,
  Authenticator,
  authorizeReserved,
  type CorsOrigins,
  CorsPolicy,
  compilePathGlob,
  isOperation,
  listableFilter,
  OPERATIONS,
  type Operation,
  signStreamToken,
  type TokenScope,
} from "./auth/index.js";
export type { EngineContext, FeatureContext, StreamChanges } from "./context.js";
export { DurableStreamsEngine, type EngineConfig } from "./engine.js";
export {
  REGISTRY_PATH,
  type StreamCreatedEvent,
  type StreamDeletedEvent,
  type StreamEvent,
  type StreamEventHooks,
} from "./events/index.js";
export type { StreamChange } from "./features.js";
export { authenticateBearer } from "./http/bearer.js";
export { type ErrorCode, ProtocolError } from "./http/errors.js";
export type {
  BodyPart,
  ByteSink,
  EngineRequest,
  EngineResponse,
  LazyBytes,
  StreamingBody,
} from "./http/http-types.js";
export { isStreamingBody, loadPart } from "./http/http-types.js";
export { adapterJsonHeaders, securityHeaders } from "./http/response-headers.js";
export { CURSOR_EPOCH_MS, CURSOR_INTERVAL_MS, nextCursor } from "./live/next-cursor.js";
export type { SharedRead } from "./live/shared-read.js";
export { isSseStream, type SseSessionState, type SseStream } from "./live/sse-session.js";
export { type Waiter, WakeHub } from "./live/wake-hub.js";
export type { EngineOptions, ResolvedEngineOptions } from "./options.js";
export { concatParts } from "./ports/body-part.js";
export { type Clock, systemClock } from "./ports/clock.js";
export type { ExpiryScheduler } from "./ports/expiry-scheduler.js";
export type { ByteRange, ForkPeer, ForkRequest, ForkSource } from "./ports/fork-peer.js";
export type {
  AppendWrite,
  ForkOrigin,
  NewStream,
  ProducerState,
  ProducerTuple,
  RetentionPolicy,
  RetentionStore,
  StoredChunk,
  StreamRecord,
  StreamStore,
  StreamSummary,
} from "./ports/store.js";
export type { Share, StreamHub } from "./ports/stream-hub.js";
export type { StoredSubscriptions, SubscriptionStore } from "./ports/subscription-store.js";
export type {
  StreamLink,
  SubscriptionConfig,
  SubscriptionState,
  SubscriptionType,
} from "./ports/subscription-types.js";

export type { WatchedStreams, WatchedSummary } from "./ports/watched-streams.js";

export { ProducerCache } from "./producers/producer-cache.js";
export * from "./proxy/index.js";

export type {
  ReservedCall,
  ReservedContext,
  ReservedMethod,
  ReservedRoute,
} from "./reserved/route-types.js";
export { isReservedPath, RESERVED_SEGMENT, ReservedRouter } from "./reserved/router.js";
export {
  DEFAULT_LISTING_LIMIT,
  type ListedStream,
  type ListingPage,
  type ListingSource,
  listingPage,
  MAX_LISTING_LIMIT,
} from "./reserved/streams.js";
export { expiryOf, isExpired } from "./storage/expiry.js";
export { MemoryStore } from "./storage/memory-store.js";
export { MemorySubscriptionStore } from "./storage/memory-subscription-store.js";
export { newStreamRecord } from "./storage/new-record.js";
export { comparePaths, pathSuccessor, SortedPaths } from "./storage/path-order.js";
export { reserveAppend } from "./storage/reserve-append.js";
export {
  closedByOfRow,
  type ForkColumns,
  forkOfRow,
  type RowState,
  recordOfRow,
  type StreamColumns,
  type SummaryColumns,
  summaryOfRow,
} from "./storage/sql-rows.js";
export {
  type LinkColumns,
  linkParams,
  SUBSCRIPTION_SQL,
  SUBSCRIPTION_TABLES,
  storedSubscriptions,
} from "./storage/subscription-sql.js";
export { nextDue, runDue } from "./subscriptions/due.js";
export { globMatches, literalPrefix } from "./subscriptions/glob.js";
export type { SubscriptionSettings } from "./subscriptions/settings.js";
export type { DeliveryFailure, Subscriptions } from "./subscriptions/subscriptions.js";
export {
  MAX_REPLY_BYTES,
  type WebhookReply,
  type WebhookSender,
} from "./subscriptions/webhook-sender.js";
export { addressProblem, isDevelopmentHost } from "./subscriptions/webhook-url.js";
