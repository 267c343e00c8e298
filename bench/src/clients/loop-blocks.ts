/**
 * The longest event-loop block while some work runs: a 5 ms interval timer
 * ticks, and a gap between two ticks longer than the period is a block. Two
 * measures per gap: wall time less the period (what a user would wait, but it
 * includes time the OS gave to other processes on a shared machine), and the
 * CPU time the main thread itself spent in the gap (what the work costs the
 * page; Linux `/proc/thread-self/schedstat`, nanoseconds on CPU). GC helper
 * threads do not count in the second; the main thread's GC pauses do.
 */

import { readFileSync } from "node:fs";

const PERIOD_MS = 5;
const SCHEDSTAT = "/proc/thread-self/schedstat";

/** CPU time of the calling (main) thread in ms, or undefined where Linux schedstat is missing. */
export function mainThreadCpuMs(): number | undefined {
  try {
    return Number(readFileSync(SCHEDSTAT, "latin1").split(" ", 1)[0]) / 1e6;
  } catch {
    return undefined;
  }
}

export interface LoopBlocks {
  /** Longest gap beyond the period, wall clock (ms). */
  readonly maxWallBlockMs: number;
  /**
   * Longest main-thread CPU time in one gap (ms): an upper bound of the
   * longest block's own work (a gap can also hold short callbacks); NaN off Linux.
   */
  readonly maxMainThreadBlockMs: number;
  /** Gaps longer than 50 ms of main-thread CPU. */
  readonly blocksOver50Ms: number;
  /** Timer ticks: the loop's turns, roughly. */
  readonly ticks: number;
}

/** Starts measuring; `stop()` ends it and returns the figures. */
export function measureLoopBlocks(): { stop(): LoopBlocks } {
  let lastWall = performance.now();
  let lastCpu = mainThreadCpuMs();
  let maxWallBlockMs = 0;
  let maxMainThreadBlockMs = lastCpu === undefined ? Number.NaN : 0;
  let blocksOver50Ms = 0;
  let ticks = 0;
  const tick = () => {
    ticks++;
    const wall = performance.now();
    const cpu = mainThreadCpuMs();
    maxWallBlockMs = Math.max(maxWallBlockMs, wall - lastWall - PERIOD_MS);
    if (cpu !== undefined && lastCpu !== undefined) {
      const block = cpu - lastCpu;
      maxMainThreadBlockMs = Math.max(maxMainThreadBlockMs, block);
      if (block > 50) blocksOver50Ms++;
    }
    lastWall = wall;
    lastCpu = cpu;
  };
  const timer = setInterval(tick, PERIOD_MS);
  return {
    stop() {
      tick();
      clearInterval(timer);
      return { maxWallBlockMs, maxMainThreadBlockMs, blocksOver50Ms, ticks };
    },
  };
}
