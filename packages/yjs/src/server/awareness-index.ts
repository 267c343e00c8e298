/**
 * The `.awareness/.index` stream: names of a document's awareness streams
 * other than `default`, so deleting the document finds them all.
 */

import { appendIndexEntry, readIndex } from "./compactor.js";
import { type DocRoute, docStreams } from "./doc-paths.js";
import type { Streams } from "./streams.js";

/** Records that awareness stream `name` of `doc` exists. */
export function appendAwarenessIndex(
  streams: Streams,
  doc: DocRoute,
  headers: Record<string, string>,
  name: string,
): Promise<void> {
  return appendIndexEntry(streams, docStreams.awarenessIndex(doc), headers, {
    name,
    createdAt: Date.now(),
  });
}

/** Names recorded in the awareness index of `doc`. */
export async function awarenessNames(
  streams: Streams,
  doc: DocRoute,
  headers: Record<string, string>,
): Promise<string[]> {
  const entries = await readIndex(streams, docStreams.awarenessIndex(doc), headers);
  const names = new Set<string>();
  for (const entry of entries) if (typeof entry.name === "string") names.add(entry.name);
  return [...names];
}
