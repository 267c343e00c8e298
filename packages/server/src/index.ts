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
export { type BannerInfo, banner, serverVersion } from "./banner.js";
export { acceptedCodings, type CompressionOptions, type ContentCoding } from "./compression.js";
export { type LogFormat, type ParsedConfig, parseConfig, USAGE } from "./config.js";
export { handleNodeRequest, writeResponse } from "./node-adapter.js";
export { SERVER_NODE_FLAGS } from "./node-flags.js";
export type { RateLimitOptions } from "./ops/rate-limit.js";
export { createProcessLogger, formatLogLine, resolveLogFormat } from "./process-logger.js";
export { type ProcessServer, type RunConfig, startProcessServer } from "./process-server.js";
export { type RunningServer, type ServerOptions, startServer } from "./server.js";
export {
  configurationTable,
  SERVER_SETTINGS,
  type ServerSetting,
  type SettingKind,
  usage,
} from "./settings.js";
export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
