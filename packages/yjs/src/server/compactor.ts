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
 *    one request, answered once durable: it exists whole or not at all.
 * 3. Only then is `X` appended to the `.index` stream: discovery never names
 *    a snapshot that was not durable first. A `kill -9` between 2 and 3
 *    leaves an unreferenced snapshot and the previous one still in use.
 * 4. Only after 3 does anything get removed (`doc-bound.ts`): the updates
 *    the previous snapshot holds, and, after a grace, the snapshots older
 *    than `X`. Invariant: whatever is removed is held by the snapshot the
 *    index names, and a snapshot discovery named a moment ago stays readable.
 */

import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { afterSnapshot, type DocRoute, docStreams } from "./doc-paths.js";
import type { Streams } from "./streams.js";

/** Bytes of index entries kept (~50 entries); older ones are trimmed by retention. */
export const INDEX_RETENTION_BYTES = 4096;

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
    // The index keeps its newest entries only (the server's retention trims the rest).
    await appendIndexEntry(
      streams,
      docStreams.index(doc),
      headers,
      { snapshotOffset: updates.nextOffset, createdAt: Date.now() },
      { "stream-retention-max-bytes": String(INDEX_RETENTION_BYTES) },
    );
    return { snapshotOffset: updates.nextOffset, snapshotBytes: state.length };
  } finally {
    ydoc.destroy();
  }
}

/**
 * Appends one JSON entry to an index stream, creating it first if needed
 * (with `createHeaders`, e.g. a retention limit).
 */
export async function appendIndexEntry(
  streams: Streams,
  path: string,
  headers: Record<string, string>,
  entry: Record<string, unknown>,
  createHeaders: Record<string, string> = {},
): Promise<void> {
  const json = { ...headers, "content-type": "application/json" };
  const body = () => new TextEncoder().encode(JSON.stringify(entry));
  let appended = await streams.call({ method: "POST", path, headers: json, body: body() });
  if (appended.status === 404) {
    await streams.call({ method: "PUT", path, headers: { ...json, ...createHeaders } });
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
