/**
 * The coordinator's view of the streams its subscriptions watch
 * (`WatchedStreams`): the tail of every watched path, kept in the
 * coordinator's SQLite from what the streams' objects report, so the
 * subscription engine reads tails synchronously as it does on Node. Before a
 * subscription is planned, `prepare` asks the registry for the paths its
 * pattern matches and each stream's object for its tail (marking the object
 * as watched). Wake events go to the wake stream's object over RPC.
 */

import {
  comparePaths,
  globMatches,
  literalPrefix,
  pathSuccessor,
  type StreamChange,
  type WatchedStreams,
  type WatchedSummary,
} from "@durastream/server-core";
import type { StreamObjectRpc } from "../object/stream-object-rpc.js";
import type { StreamRegistryRpc } from "../registry/registry-rpc.js";

/** Registry page size while backfilling a pattern. */
const PAGE = 1000;
/** Stream objects asked for their tail at once while preparing. */
const PARALLEL = 32;

/** What the mirror uses. */
export interface MirrorDeps {
  readonly sql: SqlStorage;
  readonly streams: DurableObjectNamespace<StreamObjectRpc>;
  readonly registry: () => DurableObjectStub<StreamRegistryRpc>;
  /** Most links one subscription may have (a backfill stops past it). */
  readonly maxLinks: number;
  readonly onError: (error: unknown) => void;
}

/** Tails of the watched streams, mirrored from their objects. */
export class WatchedMirror implements WatchedStreams {
  readonly #deps: MirrorDeps;
  readonly #tails = new Map<string, number>();
  /** Paths being prepared (reference counts): watched while a plan is made. */
  readonly #preparing = new Map<string, number>();
  /** Paths a pattern matched, for `listFrom` during the plan that follows `prepare`. */
  #listing: string[] = [];
  /** Wake events under way to their streams' objects. */
  readonly #sending = new Set<Promise<unknown>>();
  /** Whether a path concerns a subscription (set once the engine exists). */
  watches: (path: string) => boolean = () => false;

  constructor(deps: MirrorDeps) {
    this.#deps = deps;
    deps.sql.exec(
      "CREATE TABLE IF NOT EXISTS watched_tails (path TEXT PRIMARY KEY, tail INTEGER NOT NULL) WITHOUT ROWID",
    );
    for (const row of deps.sql.exec<{ path: string; tail: number }>(
      "SELECT path, tail FROM watched_tails",
    )) {
      this.#tails.set(row.path, row.tail);
    }
  }

  tail(path: string): number {
    return this.#tails.get(path) ?? 0;
  }

  listFrom(from: string, prefix: string, limit: number): readonly WatchedSummary[] {
    const out: WatchedSummary[] = [];
    for (const path of this.#listing) {
      if (comparePaths(path, from) < 0 || !path.startsWith(prefix)) continue;
      out.push({ path, softDeleted: false });
      if (out.length === limit) break;
    }
    return out;
  }

  async prepare(paths: readonly string[], pattern: string | null): Promise<void> {
    const listing: string[] = [];
    if (pattern !== null) {
      const prefix = literalPrefix(pattern);
      let from = prefix;
      for (;;) {
        const page = await this.#deps.registry().livePaths(from, prefix, PAGE);
        for (const path of page) if (globMatches(pattern, path)) listing.push(path);
        if (page.length < PAGE || listing.length > this.#deps.maxLinks) break;
        from = pathSuccessor(page[page.length - 1]!);
      }
    }
    const all = [...new Set([...paths, ...listing])];
    for (const path of all) this.#preparing.set(path, (this.#preparing.get(path) ?? 0) + 1);
    try {
      for (let at = 0; at < all.length; at += PARALLEL) {
        const batch = all.slice(at, at + PARALLEL);
        const tails = await Promise.all(
          batch.map((path) => this.#deps.streams.getByName(path).watchedBy(path)),
        );
        for (const [i, path] of batch.entries()) this.#setTail(path, tails[i] ?? 0);
      }
    } catch (error) {
      this.#release(all);
      throw error;
    }
    this.#listing = listing;
    // The plan runs synchronously once this settles: release after it.
    setTimeout(() => {
      this.#release(all);
      if (this.#listing === listing) this.#listing = [];
    }, 0);
  }

  announce(path: string, event: string): null {
    const sent = this.#deps.streams.getByName(path).appendWakeEvent(path, event);
    this.#sending.add(sent);
    sent.catch(this.#deps.onError).finally(() => this.#sending.delete(sent));
    return null;
  }

  /** Whether `path` is being prepared for a plan (watched meanwhile). */
  preparing(path: string): boolean {
    return this.#preparing.has(path);
  }

  /** Applies a stream object's report; `watched` says whether the path is still mirrored. */
  observe(change: StreamChange, watched: boolean): void {
    if (!watched || change.kind === "removed") {
      this.#forget(change.path);
      return;
    }
    const tail =
      change.kind === "appended" ? Math.max(change.tail, this.tail(change.path)) : change.tail;
    this.#setTail(change.path, tail);
  }

  /** Settles once every wake event sent so far has been answered. */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending]);
  }

  #release(paths: readonly string[]): void {
    for (const path of paths) {
      const count = (this.#preparing.get(path) ?? 1) - 1;
      if (count > 0) {
        this.#preparing.set(path, count);
        continue;
      }
      this.#preparing.delete(path);
      if (!this.watches(path)) this.#forget(path);
    }
  }

  #setTail(path: string, tail: number): void {
    if (this.#tails.get(path) === tail) return;
    this.#tails.set(path, tail);
    this.#deps.sql.exec(
      "INSERT OR REPLACE INTO watched_tails (path, tail) VALUES (?, ?)",
      path,
      tail,
    );
  }

  #forget(path: string): void {
    if (!this.#tails.delete(path)) return;
    this.#deps.sql.exec("DELETE FROM watched_tails WHERE path = ?", path);
  }
}
