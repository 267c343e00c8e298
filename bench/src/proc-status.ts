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
