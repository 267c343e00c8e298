/**
 * What bounds a document's stored size after each compaction, and the
 * snapshot lookups that keep readers away from snapshots that are gone.
 *
 * After compaction `k` (snapshot `S_k`, named by the index) has replaced
 * `S_{k-1}`:
 *
 * - The updates before `S_{k-1}` are trimmed. Invariant: an update is
 *   trimmed only once a durable snapshot named by the index holds it (`S_k`
 *   holds every update before `S_k`, and `S_{k-1} <= S_k`). One generation
 *   of grace stays: a reader that loaded `S_{k-1}` (or was up to date when
 *   it was taken) still resumes from the log; one whose offset was trimmed is
 *   answered with the current snapshot instead (`YjsRoutes`), so no reader
 *   ever loses an update.
 * - Snapshots older than `S_k` (named by the index, or left unnamed by a
 *   crash before their index entry) are deleted `graceMs` later:
 *   a reader that discovery sent to `S_{k-1}` just before the replacement
 *   can still read it (the protocol lets a reader that gets 404 discover
 *   again, but no reader of this server needs to within the grace).
 * - The index itself keeps its newest entries (`INDEX_RETENTION_BYTES` in
 *   `compactor.ts`, the server's ordinary retention).
 *
 * Stored: the updates since `S_{k-1}` (two compaction thresholds plus what
 * arrives while one runs), `S_k` (plus `S_{k-1}` during the grace), the index.
 */

import { readIndex, snapshotOffsets } from "./compactor.js";
import { type DocRoute, docStreams, offsetPosition, parseSnapshotKey } from "./doc-paths.js";
import { bodyBytes, type Streams } from "./streams.js";

/** Default time a replaced snapshot stays readable. */
export const DEFAULT_SNAPSHOT_GRACE_MS = 2000;

interface PendingDeletion {
  readonly doc: DocRoute;
  readonly offsets: ReadonlySet<string>;
  readonly timer: ReturnType<typeof setTimeout>;
  /** Settles the promise `afterCompaction` handed out for this deletion. */
  readonly settle: () => void;
}

/** Trims and deletes what compactions made unnecessary. */
export class DocBound {
  /** Deletions waiting out their grace, per document (one per compaction). */
  readonly #pending = new Map<string, Set<PendingDeletion>>();

  constructor(
    private readonly streams: Streams,
    private readonly headers: Record<string, string>,
    private readonly graceMs: number,
  ) {}

  /**
   * Called once compaction made `current` the document's snapshot (named by
   * the index, durably) in place of `previous`: trims the updates, then
   * schedules the old snapshots' deletion. Resolves once the trim is durable,
   * with `deleted`, which settles when the deletion has run (or was
   * cancelled), for runtimes that must be told to keep running.
   */
  async afterCompaction(
    key: string,
    doc: DocRoute,
    previous: string | null,
    current: string,
  ): Promise<{ deleted: Promise<void> }> {
    if (previous !== null && this.streams.canTrim) {
      await this.streams.trim(docStreams.updates(doc), previous);
    }
    const entries = await readIndex(this.streams, docStreams.index(doc), this.headers);
    // Those the index names, and those it never named (a crash between a
    // snapshot and its index entry). Only older ones: a newer one is another
    // instance's concurrent compaction.
    const named = [...snapshotOffsets(entries), ...(await this.#listed(doc))];
    const offsets = new Set(
      named.filter((offset) => offsetPosition(offset) < offsetPosition(current)),
    );
    if (offsets.size === 0) return { deleted: Promise.resolve() };
    // Each compaction's deletion keeps its own deadline: compactions closer
    // together than the grace must not postpone deletions indefinitely.
    const deleted = new Promise<void>((resolve) => {
      const pending: PendingDeletion = {
        doc,
        offsets,
        settle: resolve,
        timer: setTimeout(() => {
          if (!this.#forget(key, pending)) return;
          void this.#delete(doc, offsets).finally(resolve);
        }, this.graceMs),
      };
      const set = this.#pending.get(key) ?? new Set<PendingDeletion>();
      this.#pending.set(key, set);
      set.add(pending);
    });
    return { deleted };
  }

  /** Drops the deletions waiting for a document (it is being deleted whole). */
  cancel(key: string): void {
    for (const pending of this.#pending.get(key) ?? []) {
      clearTimeout(pending.timer);
      pending.settle();
    }
    this.#pending.delete(key);
  }

  /** Runs every waiting deletion now (on shutdown: no reader is left to protect). */
  async flush(): Promise<void> {
    const waiting = [...this.#pending.values()].flatMap((set) => [...set]);
    this.#pending.clear();
    await Promise.all(
      waiting.map(async (pending) => {
        clearTimeout(pending.timer);
        await this.#delete(pending.doc, pending.offsets);
        pending.settle();
      }),
    );
  }

  /** Snapshot streams of `doc` that exist, by listing (empty when the listing is refused). */
  async #listed(doc: DocRoute): Promise<string[]> {
    const listing = await this.streams.call({
      method: "GET",
      path: "__ds/streams",
      query: { prefix: `${docStreams.base(doc)}/.snapshots/`, limit: "1000" },
      headers: this.headers,
    });
    if (listing.status !== 200) return [];
    const page = JSON.parse(new TextDecoder().decode(bodyBytes(listing))) as {
      streams?: Array<{ path?: unknown }>;
    };
    const offsets: string[] = [];
    for (const { path } of page.streams ?? []) {
      const offset = typeof path === "string" ? parseSnapshotKey(path.split("/").pop()!) : null;
      if (offset !== null) offsets.push(offset);
    }
    return offsets;
  }

  /** Removes `pending` from the waiting ones; false when it was no longer there. */
  #forget(key: string, pending: PendingDeletion): boolean {
    const set = this.#pending.get(key);
    if (!set?.delete(pending)) return false;
    if (set.size === 0) this.#pending.delete(key);
    return true;
  }

  async #delete(doc: DocRoute, offsets: ReadonlySet<string>): Promise<void> {
    await Promise.allSettled(
      [...offsets].map((offset) =>
        this.streams.call({
          method: "DELETE",
          path: docStreams.snapshot(doc, offset),
          headers: this.headers,
        }),
      ),
    );
  }

  /**
   * The newest snapshot the index names whose stream exists, or null. The
   * index is written after its snapshot, but a snapshot can still be gone
   * (deleted by another instance's compaction, or by hand): discovery must
   * never send a reader to one.
   */
  async newestExisting(doc: DocRoute): Promise<string | null> {
    const entries = await readIndex(this.streams, docStreams.index(doc), this.headers);
    const offsets = snapshotOffsets(entries);
    for (let i = offsets.length - 1; i >= 0; i--) {
      if (await this.exists(doc, offsets[i]!)) return offsets[i]!;
    }
    return null;
  }

  /** Whether the snapshot taken at `offset` exists. */
  async exists(doc: DocRoute, offset: string): Promise<boolean> {
    const head = await this.streams.call({
      method: "HEAD",
      path: docStreams.snapshot(doc, offset),
      headers: this.headers,
    });
    if (head.status === 404 || head.status === 410) return false;
    if (head.status >= 300) throw new Error(`snapshot HEAD answered ${head.status}`);
    return true;
  }
}
