/**
 * `@durastream/yjs`: Yjs documents over Durable Streams. The server side is
 * `@durastream/yjs/server`; this entry holds what clients and servers share.
 */

export {
  afterSnapshot,
  type DocRoute,
  docStreams,
  parseDocRoute,
  parseSnapshotKey,
  snapshotKey,
} from "./server/doc-paths.js";
