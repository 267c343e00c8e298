export type {
  StreamCreatedEvent,
  StreamDeletedEvent,
  StreamEvent,
  StreamEventHooks,
} from "@durastream/server-core";
export {
  OPERATIONS,
  type Operation,
  signStreamToken,
  type TokenScope,
} from "@durastream/server-core";
export { acceptedCodings, type CompressionOptions, type ContentCoding } from "./compression.js";
export { parseConfig, USAGE } from "./config.js";
export { handleNodeRequest, writeResponse } from "./node-adapter.js";
export { SERVER_NODE_FLAGS } from "./node-flags.js";
export type { RateLimitOptions } from "./ops/rate-limit.js";
export { type RunningServer, type ServerOptions, startServer } from "./server.js";
export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
