/**
 * The stream store as the Node server runs it: the engine's `StreamStore`
 * port, plus what the server itself asks of a store. Each capability beyond
 * counting is optional and present only where the store has it, so the
 * server asks the store instead of checking which class it is: the SQLite
 * store has them all, the memory store none.
 */

import type { StreamStore } from "@durastream/server-core";

/** Told of each durable commit group's size and sync time (metrics). */
export type CommitObserver = (groupSize: number, syncSeconds: number) => void;

/** A stream store the Node server can run. */
export interface ServerStore extends StreamStore {
  /** Number of streams, soft-deleted ones excluded (metrics). */
  streamCount(): number;
  /** Calls `observer` with each durable commit group (metrics); absent: no commit groups. */
  observeCommits?(observer: CommitObserver | null): void;
  /** Gives back memory that is rebuilt on demand, after a burst; absent: nothing to give back. */
  releaseMemory?(): void;
  /** Resolves when the store can take a write, rejects with why not (readiness); absent: always. */
  checkWritable?(): Promise<void>;
}
