/**
 * The disk's sync latency where the servers keep their data: `write` of 4 KiB
 * then `fdatasync`, repeated, in a temp file beside the servers' data dirs.
 * A durable append waits for one such sync per group, so next to the
 * saturation scenario's server CPU this says whether a run was disk-bound
 * (syncs slow, server CPU low) or CPU-bound (syncs fast, a core busy).
 */

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

export interface DiskProbe {
  readonly dir: string;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Times `samples` rounds of a 4 KiB write plus `fdatasync` (appending, like a WAL). */
export function probeSyncLatency(samples = 200): DiskProbe {
  const dir = mkdtempSync(join(tmpdir(), "durastream-bench-sync-"));
  const fd = openSync(join(dir, "probe"), "w");
  const page = Buffer.alloc(4096, 0x5a);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const started = performance.now();
      writeSync(fd, page, 0, page.length, i * page.length);
      fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return {
    dir: tmpdir(),
    samples,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times[times.length - 1] ?? Number.NaN,
  };
}

/** One header line: the probe's figures and the machine's load average. */
export function describeDiskProbe(probe: DiskProbe): string {
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  return `fdatasync probe (4 KiB write + fdatasync ×${probe.samples} in ${probe.dir}): p50 ${probe.p50Ms.toFixed(3)} ms, p99 ${probe.p99Ms.toFixed(3)} ms, max ${probe.maxMs.toFixed(3)} ms — load average ${load}`;
}
