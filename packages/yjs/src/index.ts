/**
 * `@durastream/yjs`: Yjs documents over Durable Streams. `YjsProvider` keeps
 * a `Y.Doc` in sync with a document; the server side is `@durastream/yjs/server`.
 */

export {
  AWARENESS_HEARTBEAT_INTERVAL,
  YjsProvider,
  type YjsProviderEvents,
  type YjsProviderOptions,
  type YjsProviderStatus,
} from "./provider/yjs-provider.js";
export {
  afterSnapshot,
  type DocRoute,
  docStreams,
  parseDocRoute,
  parseSnapshotKey,
  snapshotKey,
} from "./server/doc-paths.js";
