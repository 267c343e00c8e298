/** Memory figures of a process from /proc/<pid>/status (Linux). */

import { readFileSync } from "node:fs";

export interface MemoryFigures {
  /** VmRSS: resident set size now, bytes. */
  readonly rssBytes: number;
  /** VmHWM: peak resident set size over the process lifetime, bytes. */
  readonly peakRssBytes: number;
}

function kilobytesField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Reads VmRSS and VmHWM; NaN when the process is gone. */
export function readMemoryFigures(pid: number): MemoryFigures {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return {
      rssBytes: kilobytesField(status, "VmRSS"),
      peakRssBytes: kilobytesField(status, "VmHWM"),
    };
  } catch {
    return { rssBytes: Number.NaN, peakRssBytes: Number.NaN };
  }
}

/** The soft limit on open files of this process (children inherit it). */
export function openFileLimit(): number {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (!match || match[1] === "unlimited") return Number.POSITIVE_INFINITY;
  return Number(match[1]);
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) a process has used so far, seconds,
 * from /proc/<pid>/stat; NaN when it is gone.
 */
export function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), from field 3 on.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
