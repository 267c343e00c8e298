/**
 * Server-side compaction: once a document's updates since its snapshot pass
 * the threshold, the document's state (snapshot + updates) is written as a
 * new snapshot, and new readers start from it.
 *
 * Crash and concurrency safety, step by step:
 * 1. Updates are read up to the tail `X` at that moment; the snapshot holds
 *    exactly the updates before `X`. Updates written meanwhile land at or
 *    after `X`, and readers of the snapshot continue at `X` (the offset one
 *    past it rounds down to the message that starts at `X`): none is lost.
 * 2. The snapshot stream `.snapshots/X_snapshot` is created with its bytes in
 *    one request: it exists whole or not at all.
 * 3. Only then is `X` appended to the `.index` stream: discovery never names
 *    a snapshot that is not durable. A `kill -9` between 2 and 3 leaves an
 *    unreferenced snapshot and the previous one still in use.
 * 4. Older snapshots named by the index are deleted (best effort; retried at
 *    the next compaction). Updates are never deleted, so a client resuming
 *    from an old offset still reads on.
 */

import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { afterSnapshot, type DocRoute, docStreams } from "./doc-paths.js";
import type { Streams } from "./streams.js";

/** What compaction reports to the routes. */
export interface CompactionResult {
  readonly snapshotOffset: string;
  readonly snapshotBytes: number;
}

/** Compacts one document: returns the new snapshot's offset, or null when nothing changed. */
export async function compactDocument(
  streams: Streams,
  doc: DocRoute,
  previous: string | null,
  headers: Record<string, string>,
): Promise<CompactionResult | null> {
  const ydoc = new Y.Doc({ gc: true });
  try {
    if (previous !== null) {
      const snapshot = await streams.readAll(docStreams.snapshot(doc, previous), "-1", headers);
      if (snapshot === null) throw new Error(`snapshot ${previous} of ${doc.docPath} is missing`);
      if (snapshot.bytes.length > 0) Y.applyUpdate(ydoc, snapshot.bytes);
    }
    const from = previous === null ? "-1" : afterSnapshot(previous);
    const updates = await streams.readAll(docStreams.updates(doc), from, headers);
    if (updates === null) return null;
    if (updates.nextOffset === previous) return null;
    const decoder = decoding.createDecoder(updates.bytes);
    while (decoding.hasContent(decoder)) {
      Y.applyUpdate(ydoc, decoding.readVarUint8Array(decoder));
    }
    const state = Y.encodeStateAsUpdate(ydoc);
    const created = await streams.call({
      method: "PUT",
      path: docStreams.snapshot(doc, updates.nextOffset),
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: state,
    });
    // 200/409: a compaction that crashed after this step wrote the same state.
    if (created.status !== 201 && created.status !== 200 && created.status !== 409) {
      throw new Error(`snapshot create answered ${created.status}`);
    }
    await appendIndexEntry(streams, docStreams.index(doc), headers, {
      snapshotOffset: updates.nextOffset,
      createdAt: Date.now(),
    });
    return { snapshotOffset: updates.nextOffset, snapshotBytes: state.length };
  } finally {
    ydoc.destroy();
  }
}

/** Appends one JSON entry to an index stream, creating it first if needed. */
export async function appendIndexEntry(
  streams: Streams,
  path: string,
  headers: Record<string, string>,
  entry: Record<string, unknown>,
): Promise<void> {
  const json = { ...headers, "content-type": "application/json" };
  const body = () => new TextEncoder().encode(JSON.stringify(entry));
  let appended = await streams.call({ method: "POST", path, headers: json, body: body() });
  if (appended.status === 404) {
    await streams.call({ method: "PUT", path, headers: json });
    appended = await streams.call({ method: "POST", path, headers: json, body: body() });
  }
  if (appended.status < 200 || appended.status >= 300) {
    throw new Error(`index append answered ${appended.status}`);
  }
}

/** The entries of a JSON index stream (empty when it does not exist). */
export async function readIndex(
  streams: Streams,
  path: string,
  headers: Record<string, string>,
): Promise<Array<Record<string, unknown>>> {
  const read = await streams.readPages(path, "-1", headers);
  const entries: Array<Record<string, unknown>> = [];
  const decoder = new TextDecoder();
  // Each page of a JSON stream is one JSON array of whole entries.
  for (const page of read?.pages ?? []) {
    const parsed = JSON.parse(decoder.decode(page)) as unknown;
    if (Array.isArray(parsed)) entries.push(...(parsed as Array<Record<string, unknown>>));
  }
  return entries;
}

/** Snapshot offsets named by a document's index, oldest first. */
export function snapshotOffsets(entries: ReadonlyArray<Record<string, unknown>>): string[] {
  const offsets: string[] = [];
  for (const entry of entries) {
    const offset = entry.snapshotOffset;
    if (typeof offset === "string" && /^\d+_\d+$/.test(offset)) offsets.push(offset);
  }
  return offsets;
}
