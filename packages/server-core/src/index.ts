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
export type { EngineContext } from "./context.js";
export { CURSOR_EPOCH_MS, CURSOR_INTERVAL_MS, nextCursor } from "./cursor.js";
export { DurableStreamsEngine, type EngineConfig } from "./engine.js";
export { type ErrorCode, ProtocolError } from "./errors.js";
export { expiryOf, isExpired } from "./expiry.js";
export type {
  BodyPart,
  ByteSink,
  EngineRequest,
  EngineResponse,
  LazyBytes,
  StreamingBody,
} from "./http-types.js";
export { isStreamingBody, loadPart } from "./http-types.js";
export { type Waiter, WakeHub } from "./hub.js";
export { MemoryStore } from "./memory-store.js";
export { newStreamRecord } from "./new-record.js";
export type { EngineOptions, ResolvedEngineOptions } from "./options.js";
export { reserveAppend } from "./reserve-append.js";
export type {
  AppendWrite,
  ForkOrigin,
  NewStream,
  ProducerState,
  ProducerTuple,
  StoredChunk,
  StreamRecord,
  StreamStore,
} from "./store.js";
