/**
 * Where a Yjs document lives. Requests name it as `{service}/docs/{doc path}`
 * under `/v1/yjs`; its data lives in ordinary streams under the stream root,
 * laid out as the official Yjs server lays them out, so either server can
 * serve the other's documents:
 *
 * - `yjs/{service}/docs/{doc}/.updates` — lib0-framed Yjs updates (binary)
 * - `yjs/{service}/docs/{doc}/.snapshots/{offset}_snapshot` — one compacted state
 * - `yjs/{service}/docs/{doc}/.index` — JSON entries `{snapshotOffset, createdAt}`
 * - `yjs/{service}/docs/{doc}/.awareness/{name}` — awareness (presence) updates
 * - `yjs/{service}/docs/{doc}/.awareness/.index` — JSON entries `{name, createdAt}`
 *
 * Document paths may not contain `.` so they never collide with those.
 */

/** A document named by a request. */
export interface DocRoute {
  readonly service: string;
  readonly docPath: string;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_DOC_PATH = 256;

/**
 * The document a request path (relative to `/v1/yjs`, decoded) names, or
 * null when it is not `{service}/docs/{doc path}` with safe segments.
 */
export function parseDocRoute(path: string): DocRoute | null {
  const match = /^([^/]+)\/docs\/(.+)$/.exec(path);
  if (!match) return null;
  const service = match[1]!;
  const docPath = match[2]!.replace(/\/+/g, "/").replace(/^\/|\/$/g, "");
  if (!SEGMENT.test(service) || docPath === "" || docPath.length > MAX_DOC_PATH) return null;
  if (!docPath.split("/").every((segment) => SEGMENT.test(segment))) return null;
  return { service, docPath };
}

/** Whether `name` may name an awareness stream. */
export function isAwarenessName(name: string): boolean {
  return SEGMENT.test(name) && name.length <= 64;
}

/** Stream paths (relative to the stream root) of one document. */
export const docStreams = {
  base: (doc: DocRoute) => `yjs/${doc.service}/docs/${doc.docPath}`,
  updates: (doc: DocRoute) => `${docStreams.base(doc)}/.updates`,
  index: (doc: DocRoute) => `${docStreams.base(doc)}/.index`,
  snapshot: (doc: DocRoute, snapshotOffset: string) =>
    `${docStreams.base(doc)}/.snapshots/${snapshotKey(snapshotOffset)}`,
  awareness: (doc: DocRoute, name: string) => `${docStreams.base(doc)}/.awareness/${name}`,
  awarenessIndex: (doc: DocRoute) => `${docStreams.base(doc)}/.awareness/.index`,
};

/** The `offset` value that names the snapshot taken at `snapshotOffset`. */
export function snapshotKey(snapshotOffset: string): string {
  return `${snapshotOffset}_snapshot`;
}

/** The offset a snapshot key names, or null. */
export function parseSnapshotKey(key: string): string | null {
  const match = /^(\d+_\d+)_snapshot$/.exec(key);
  return match ? match[1]! : null;
}

/**
 * Where readers continue after a snapshot taken at `offset`: one past it in
 * the offset's second part, as the official Yjs server computes it. The
 * stream answers an offset inside a message from that message's start.
 */
export function afterSnapshot(offset: string): string {
  const [high, low] = offset.split("_") as [string, string];
  return `${high}_${String(Number(low) + 1).padStart(low.length, "0")}`;
}

/** Byte position of an offset token (`high_low`, both decimal), for ordering. */
export function offsetPosition(offset: string): number {
  const [high, low] = offset.split("_");
  return Number(high) * 1e16 + Number(low);
}
