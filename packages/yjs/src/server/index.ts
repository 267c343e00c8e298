/**
 * `@durastream/yjs/server`: the Yjs protocol (`/v1/yjs/{service}/docs/{doc}`)
 * over a durastream engine, for any runtime that hands it `EngineRequest`s.
 */

export {
  afterSnapshot,
  type DocRoute,
  docStreams,
  parseDocRoute,
  parseSnapshotKey,
  snapshotKey,
} from "./doc-paths.js";
export type { StreamsEngine } from "./streams.js";
export {
  DEFAULT_COMPACTION_THRESHOLD,
  type YjsRequestOptions,
  YjsRoutes,
  type YjsRoutesOptions,
} from "./yjs-routes.js";
