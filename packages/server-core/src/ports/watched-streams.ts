/**
 * The streams a subscription engine watches. On Node they are in the engine's
 * own store (read and written synchronously, in the commit of the change);
 * on Cloudflare each lives in its own Durable Object and the subscription
 * engine runs in a coordinating object that keeps a mirror of the tails of
 * the streams it watches, told by the stream objects. The engine reads only
 * this view, so it runs unchanged over either.
 */

/** A stream as a subscription's glob backfill sees it. */
export interface WatchedSummary {
  readonly path: string;
  readonly softDeleted: boolean;
}

/** What the subscription engine reads and writes of the streams it watches. */
export interface WatchedStreams {
  /** The stream's tail (byte position), 0 when it does not exist; synchronous. */
  tail(path: string): number;
  /**
   * Existing streams under `prefix` at or after `from`, in path order (a
   * glob subscription's backfill). A remote view answers what `prepare` loaded.
   */
  listFrom(from: string, prefix: string, limit: number): readonly WatchedSummary[];
  /**
   * Loads what `tail` and `listFrom` answer for `paths` and for the streams
   * `pattern` may match, before a subscription is planned or streams are
   * added to it. Absent when the view is always current (a local store).
   */
  prepare?(paths: readonly string[], pattern: string | null): Promise<void>;
  /**
   * Appends the wake event `event` (one JSON value) to the wake stream
   * `path` when it exists and is open. A local view appends in this turn and
   * returns the stream's new tail (the engine then tells its watchers); a
   * remote one sends it and returns null (the wake stream's object reports
   * the append like any other).
   */
  announce(path: string, event: string, now: number): number | null;
}
