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
export type { RateLimitOptions } from "./http/admission/rate-limit.js";
export {
  acceptedCodings,
  type CompressionOptions,
  type ContentCoding,
} from "./http/compression.js";
export { handleNodeRequest, writeResponse } from "./http/node-adapter.js";
export { type BannerInfo, banner, serverVersion } from "./process/banner.js";
export { type LogFormat, type ParsedConfig, parseConfig, USAGE } from "./process/config.js";
export { SERVER_NODE_FLAGS } from "./process/node-flags.js";
export { createProcessLogger, formatLogLine, resolveLogFormat } from "./process/process-logger.js";
export {
  type ProcessServer,
  type RunConfig,
  startProcessServer,
} from "./process/process-server.js";
export type { ServerSetting, SettingKind } from "./process/server-setting.js";
export { configurationTable, SERVER_SETTINGS, usage } from "./process/settings.js";
export { type RunningServer, type ServerOptions, startServer } from "./server.js";
export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";
