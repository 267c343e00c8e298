/**
 * Wake-ups for live readers. A durable change of a stream wakes its waiters
 * once; waiters are grouped by the position they wait at so a group shares
 * one read and one encoded response.
 *
 * Wake-ups are fanned out after the change is acknowledged, not inside it:
 * `notify` only schedules a run, and a run wakes at most `FAN_OUT_BATCH`
 * waiters or `FAN_OUT_SLICE_MS` worth of them per event-loop turn, so the
 * writer's next request, the group commit and other streams are not starved
 * by a large fan-out. Changes that
 * arrive while a run is under way are coalesced into one further run, which
 * delivers everything new since the first one in a single wake-up per waiter.
 */

import type { Share, StreamHub, Waiter } from "../ports/stream-hub.js";

export type { Share, Waiter };

/** Most waiters woken per event-loop turn during a fan-out. */
export const FAN_OUT_BATCH = 1000;
/** Fewest waiters woken per event-loop turn (while any remain). */
const MIN_BATCH = 16;
/**
 * Target length of one fan-out turn, in ms: each wake-up is a socket write
 * (about 10 µs on loopback) or a response, and a writer's next append, its
 * group commit and its acknowledgement each need a turn of their own. The
 * batch size adapts to the measured cost of a turn, which includes the work
 * wake-ups leave to microtasks (a long-poll's response is written there).
 */
export const FAN_OUT_SLICE_MS = 4;
/** Wake-ups between two looks at the clock within a turn. */
const CLOCK_EVERY = 32;

const clock: () => number =
  typeof performance === "object" && typeof performance.now === "function"
    ? () => performance.now()
    : () => Date.now();

interface Group<Shared> {
  readonly position: number;
  readonly shared: Shared;
  readonly waiters: Set<Waiter<Shared>>;
}

/** A fan-out under way: where it is, and how its previous turn went. */
interface Run<Shared> {
  readonly streamId: number;
  readonly groups: Group<Shared>[];
  index: number;
  waiters: Iterator<Waiter<Shared>>;
  sliceStarted: number;
  sliceCount: number;
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

/** The in-process wake hub: registry of waiters per stream id, fanned out in batches. */
export class WakeHub<Shared> implements StreamHub<Shared> {
  readonly #streams = new Map<number, StreamWaiters<Shared>>();
  /** Waiters per fan-out turn, adapted to what a turn costs. */
  #batch = 256;

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
    this.#continue(stream, {
      streamId,
      groups,
      index: 0,
      waiters: groups[0]!.waiters.values(),
      sliceStarted: 0,
      sliceCount: 0,
    });
  }

  /** Wakes up to one batch, then yields to the event loop until the run is done. */
  #continue(stream: StreamWaiters<Shared>, run: Run<Shared>): void {
    const groups = run.groups;
    const started = clock();
    if (run.sliceCount > 0) {
      // Waiters per ms over the whole previous turn, microtasks and I/O included.
      const rate = run.sliceCount / Math.max(started - run.sliceStarted, 0.05);
      const fitting = Math.round(rate * FAN_OUT_SLICE_MS);
      this.#batch = Math.min(
        FAN_OUT_BATCH,
        Math.max(MIN_BATCH, Math.round((this.#batch + fitting) / 2)),
      );
    }
    const deadline = started + FAN_OUT_SLICE_MS;
    const batch = this.#batch;
    let woken = 0;
    while (woken < batch) {
      if (woken % CLOCK_EVERY === CLOCK_EVERY - 1 && clock() >= deadline) break;
      const next = run.waiters.next();
      if (next.done) {
        run.index++;
        if (run.index >= groups.length) break;
        run.waiters = groups[run.index]!.waiters.values();
        continue;
      }
      const group = groups[run.index]!;
      // Taken out first: a cancel from inside `wake` must not touch the run.
      group.waiters.delete(next.value);
      woken++;
      try {
        next.value.wake(group.shared);
      } catch {
        // A waiter's failure is its own; the others still get their wake-up.
      }
    }
    run.sliceStarted = started;
    run.sliceCount = woken;
    if (run.index < groups.length) {
      defer(() => this.#continue(stream, run));
      return;
    }
    stream.running = null;
    if (stream.pending) defer(() => this.#start(run.streamId, stream));
    else this.#dropIfIdle(run.streamId, stream);
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
