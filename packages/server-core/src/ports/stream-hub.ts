/**
 * The wake-hub port: where live readers of a stream wait and how a durable
 * change of that stream wakes them. The engine registers waiters and
 * notifies after every durable change; the hub decides when and in which
 * batches waiters run. `WakeHub` (in `live/wake-hub.ts`) is the in-process one
 * every runtime can use; a runtime that holds readers elsewhere supplies its own.
 */

/** A live reader waiting for the stream to move past `position`. */
export interface Waiter<Shared> {
  /** Where the waiter waits; must not change while it is registered. */
  readonly position: number;
  /**
   * Called once when the stream changed (data, closure, deletion), with a
   * value shared by every waiter at the same position. The waiter is no
   * longer registered when this runs.
   */
  wake(shared: Shared): void;
}

/**
 * What a wake-up shares with the waiters at `position`, or null when nothing
 * changed for them (they stay registered for the next change).
 */
export type Share<Shared> = (position: number) => Shared | null;

/** Registry of live readers per stream id. */
export interface StreamHub<Shared> {
  /** Registers a waiter until it is woken or cancelled. */
  add(streamId: number, waiter: Waiter<Shared>): void;
  /** Unregisters a waiter (a no-op once it was woken). */
  cancel(streamId: number, waiter: Waiter<Shared>): void;
  /**
   * Wakes the waiters of `streamId` after the caller returns: `share` is
   * called once per distinct waiting position, and its value handed to every
   * waiter of that group. Changes notified before the waiters ran are
   * coalesced: each waiter is woken at most once for them.
   */
  notify(streamId: number, share: Share<Shared>): void;
}
