/**
 * Wake-ups for live readers. A durable change of a stream wakes its waiters
 * once; waiters are grouped by the position they wait at so a group shares
 * one read and one encoded response.
 *
 * Wake-ups are fanned out after the change is acknowledged, not inside it:
 * `notify` only schedules a run, and a run wakes at most `FAN_OUT_BATCH`
 * waiters per event-loop turn, so the writer's next request, the group
 * commit and other streams are not starved by a large fan-out. Changes that
 * arrive while a run is under way are coalesced into one further run, which
 * delivers everything new since the first one in a single wake-up per waiter.
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
 * What a run shares with the waiters at `position`, or null when nothing
 * changed for them (they stay registered for the next change).
 */
export type Share<Shared> = (position: number) => Shared | null;

/** Waiters woken per event-loop turn during a fan-out. */
export const FAN_OUT_BATCH = 1000;

interface Group<Shared> {
  readonly position: number;
  readonly shared: Shared;
  readonly waiters: Set<Waiter<Shared>>;
}

interface StreamWaiters<Shared> {
  /** Registered waiters by position. */
  readonly byPosition: Map<number, Set<Waiter<Shared>>>;
  /** The groups of the run under way (taken out of `byPosition`), or null. */
  running: Group<Shared>[] | null;
  /** A change arrived that the current (or next) run has not seen yet. */
  pending: boolean;
  /** The latest `share` given to `notify`. */
  share: Share<Shared> | null;
}

type Defer = (callback: () => void) => void;

/** `setImmediate` where the runtime has it (a macrotask after I/O), else `setTimeout(0)`. */
const defer: Defer = (() => {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
    .setImmediate;
  if (typeof immediate === "function") return (callback) => void immediate(callback);
  return (callback) => void setTimeout(callback, 0);
})();

/** Registry of waiters per stream id. */
export class WakeHub<Shared> {
  readonly #streams = new Map<number, StreamWaiters<Shared>>();

  /** Registers a waiter until it is woken or cancelled. */
  add(streamId: number, waiter: Waiter<Shared>): void {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = { byPosition: new Map(), running: null, pending: false, share: null };
      this.#streams.set(streamId, stream);
    }
    let group = stream.byPosition.get(waiter.position);
    if (!group) {
      group = new Set();
      stream.byPosition.set(waiter.position, group);
    }
    group.add(waiter);
  }

  /** Unregisters a waiter (also one already picked by a run but not woken yet). */
  cancel(streamId: number, waiter: Waiter<Shared>): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    const group = stream.byPosition.get(waiter.position);
    if (group?.delete(waiter)) {
      if (group.size === 0) stream.byPosition.delete(waiter.position);
      this.#dropIfIdle(streamId, stream);
      return;
    }
    if (stream.running) {
      for (const running of stream.running) {
        if (running.position === waiter.position && running.waiters.delete(waiter)) return;
      }
    }
  }

  /** Registers a waiter; returns a function that unregisters it. */
  wait(streamId: number, waiter: Waiter<Shared>): () => void {
    this.add(streamId, waiter);
    return () => this.cancel(streamId, waiter);
  }

  /**
   * Schedules a wake-up of the waiters of `streamId`. `share(position)` is
   * called once per distinct waiting position when the run starts; its value
   * is handed to every waiter of that group, and null leaves the group waiting.
   */
  notify(streamId: number, share: Share<Shared>): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    stream.share = share;
    if (stream.pending) return;
    stream.pending = true;
    if (stream.running === null) defer(() => this.#start(streamId, stream));
  }

  #start(streamId: number, stream: StreamWaiters<Shared>): void {
    stream.pending = false;
    const share = stream.share;
    const groups: Group<Shared>[] = [];
    if (share) {
      for (const [position, waiters] of stream.byPosition) {
        let shared: Shared | null;
        try {
          shared = share(position);
        } catch {
          shared = null;
        }
        if (shared === null) continue;
        stream.byPosition.delete(position);
        groups.push({ position, shared, waiters });
      }
    }
    if (groups.length === 0) {
      this.#dropIfIdle(streamId, stream);
      return;
    }
    stream.running = groups;
    this.#continue(streamId, stream, 0, groups[0]!.waiters.values());
  }

  /** Wakes up to one batch, then yields to the event loop until the run is done. */
  #continue(
    streamId: number,
    stream: StreamWaiters<Shared>,
    groupIndex: number,
    iterator: Iterator<Waiter<Shared>>,
  ): void {
    const groups = stream.running!;
    let budget = FAN_OUT_BATCH;
    let index = groupIndex;
    let waiters = iterator;
    while (budget > 0) {
      const next = waiters.next();
      if (next.done) {
        index++;
        if (index >= groups.length) break;
        waiters = groups[index]!.waiters.values();
        continue;
      }
      const group = groups[index]!;
      // Taken out first: a cancel from inside `wake` must not touch the run.
      group.waiters.delete(next.value);
      budget--;
      try {
        next.value.wake(group.shared);
      } catch {
        // A waiter's failure is its own; the others still get their wake-up.
      }
    }
    if (index < groups.length) {
      defer(() => this.#continue(streamId, stream, index, waiters));
      return;
    }
    stream.running = null;
    if (stream.pending) defer(() => this.#start(streamId, stream));
    else this.#dropIfIdle(streamId, stream);
  }

  #dropIfIdle(streamId: number, stream: StreamWaiters<Shared>): void {
    if (stream.byPosition.size > 0 || stream.running !== null || stream.pending) return;
    if (this.#streams.get(streamId) === stream) this.#streams.delete(streamId);
  }

  /** Ids of streams that have waiters. */
  streamIds(): number[] {
    return [...this.#streams.keys()];
  }

  /** Number of waiters (for metrics and tests). */
  get size(): number {
    let n = 0;
    for (const stream of this.#streams.values()) {
      for (const group of stream.byPosition.values()) n += group.size;
      for (const group of stream.running ?? []) n += group.waiters.size;
    }
    return n;
  }
}
