/**
 * The fork-peer port between objects: a fork reaches its source, which lives
 * in the object named by the source's path, over Durable Object RPC. The
 * source's object answers with its own engine (`DurableStreamObject.fork*`).
 *
 * Releasing a reference is what cascades cleanup up a fork chain, so it must
 * not be lost when the source's object is unreachable or this one is evicted
 * mid-call: it is written to `pending_releases` first and cleared only when
 * the source answered; the alarm retries what is left, with backoff. The
 * source applies each release key once, so a retry of a release whose answer
 * was lost does not count twice.
 */

import type {
  ByteRange,
  ForkOrigin,
  ForkPeer,
  ForkRequest,
  ForkSource,
} from "@durastream/server-core";
import type { ObjectAlarm } from "./object-alarm.js";
import { unwrap } from "./rpc-result.js";
import type { SqlStore } from "./sql-store.js";
import type { StreamObjectRpc } from "./stream-object-rpc.js";

/** First retry of a failed release after this long; doubling up to the maximum. */
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 10 * 60_000;

interface PendingRow extends Record<string, SqlStorageValue> {
  release_key: string;
  source_path: string;
  origin: string;
  attempts: number;
  next_attempt_at: number;
}

/** A journaled release: the origin, and where the fork held its source's data from (or null). */
type JournaledOrigin = ForkOrigin & { readonly heldFrom?: number | null };

/** A fork's way to its source in another object. */
export class RemoteForkPeer implements ForkPeer {
  readonly #namespace: DurableObjectNamespace<StreamObjectRpc>;
  readonly #storage: DurableObjectStorage;
  readonly #store: SqlStore;
  readonly #alarm: ObjectAlarm;
  readonly #objectId: string;
  readonly #now: () => number;
  /** Where each fork made here started reading its source (retention holds). */
  readonly #exported = new WeakMap<ForkOrigin, number>();

  constructor(options: {
    namespace: DurableObjectNamespace<StreamObjectRpc>;
    storage: DurableObjectStorage;
    store: SqlStore;
    alarm: ObjectAlarm;
    objectId: string;
    now: () => number;
  }) {
    this.#namespace = options.namespace;
    this.#storage = options.storage;
    this.#store = options.store;
    this.#alarm = options.alarm;
    this.#objectId = options.objectId;
    this.#now = options.now;
  }

  #source(path: string): DurableObjectStub<StreamObjectRpc> {
    return this.#namespace.getByName(path);
  }

  async exportFork(request: ForkRequest): Promise<ForkSource> {
    const source = unwrap(await this.#source(request.sourcePath).forkExport(request));
    this.#exported.set(source.origin, Math.min(source.origin.position, source.earliest));
    return source;
  }

  /**
   * The fork at `origin` trims past its fork point: its source drops the
   * fork's retention hold first (once, by key), so it may trim that range.
   */
  async dropHold(origin: ForkOrigin, heldFrom: number): Promise<void> {
    const key = `${this.#releaseKey(origin)}:hold`;
    unwrap(await this.#source(origin.sourcePath).forkUnhold(origin, key, heldFrom));
  }

  async readFork(
    origin: ForkOrigin,
    from: number,
    to: number,
    maxBytes: number,
  ): Promise<ByteRange> {
    const range = unwrap(
      await this.#source(origin.sourcePath).forkRead(origin, from, to, maxBytes),
    );
    return { start: range.start, end: range.end, chunks: range.chunks };
  }

  async forkBoundary(origin: ForkOrigin, position: number): Promise<number | undefined> {
    const end = unwrap(await this.#source(origin.sourcePath).forkBoundary(origin, position));
    return end ?? undefined;
  }

  async forkMessageStart(origin: ForkOrigin, position: number): Promise<number | undefined> {
    const start = unwrap(await this.#source(origin.sourcePath).forkMessageStart(origin, position));
    return start ?? undefined;
  }

  /**
   * Journals the release, then asks the source. Resolves once the journal
   * row is written: from then on the release happens, now or on a retry.
   */
  async releaseFork(origin: ForkOrigin): Promise<void> {
    const key = this.#releaseKey(origin);
    const now = this.#now();
    // The fork's retention hold on its source goes with the reference, if it still reads from it.
    const heldFrom = this.#store.forkRecord(origin)?.earliest ?? this.#exported.get(origin);
    const journal = {
      ...origin,
      heldFrom: heldFrom !== undefined && heldFrom < origin.position ? heldFrom : null,
    };
    this.#store.ensureReady();
    this.#storage.sql.exec(
      `INSERT OR IGNORE INTO pending_releases (release_key, source_path, origin, attempts,
         next_attempt_at) VALUES (?, ?, ?, 0, ?)`,
      key,
      origin.sourcePath,
      JSON.stringify(journal),
      now + RETRY_BASE_MS,
    );
    // Armed before the call: an eviction while it is in flight still retries.
    await this.#alarm.requestAt(now + RETRY_BASE_MS);
    await this.#attempt(key, journal, 0);
  }

  /** Retries the releases that are due (from the alarm handler). */
  async retryDue(): Promise<void> {
    if (this.#store.isEmpty() && !this.hasPending()) return;
    const due = this.#storage.sql
      .exec<PendingRow>(
        "SELECT * FROM pending_releases WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 100",
        this.#now(),
      )
      .toArray();
    await Promise.all(
      due.map((row) =>
        this.#attempt(row.release_key, JSON.parse(row.origin) as JournaledOrigin, row.attempts),
      ),
    );
  }

  /** When the next retry is due, or null when nothing is pending. */
  nextAttempt(): number | null {
    if (!this.hasPending()) return null;
    const row = this.#storage.sql
      .exec<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM pending_releases")
      .one();
    return row.at;
  }

  /** Whether a release is still owed to some source. */
  hasPending(): boolean {
    return (
      this.#storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'pending_releases'")
        .toArray().length > 0 &&
      this.#storage.sql.exec("SELECT 1 FROM pending_releases LIMIT 1").toArray().length > 0
    );
  }

  async #attempt(key: string, origin: JournaledOrigin, attempts: number): Promise<void> {
    try {
      const { heldFrom, ...plain } = origin;
      unwrap(await this.#source(origin.sourcePath).forkRelease(plain, key, heldFrom ?? null));
      this.#storage.sql.exec("DELETE FROM pending_releases WHERE release_key = ?", key);
    } catch (error) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts + 1, 20));
      const at = this.#now() + delay;
      this.#storage.sql.exec(
        "UPDATE pending_releases SET attempts = ?, next_attempt_at = ? WHERE release_key = ?",
        attempts + 1,
        at,
        key,
      );
      console.error(
        `durastream: releasing fork of ${origin.sourcePath} failed; retry at ${new Date(at).toISOString()}`,
        error,
      );
      await this.#alarm.requestAt(at);
    }
  }

  /**
   * The key of this release: this object and the fork's record id (ids are
   * never reused in an object), or a fresh one for a reference taken by a
   * creation that failed before its record existed.
   */
  #releaseKey(origin: ForkOrigin): string {
    const owner = this.#store.forkOwner(origin);
    if (owner !== undefined) return `${this.#objectId}:${owner}`;
    return `${this.#objectId}:${crypto.randomUUID()}`;
  }
}
