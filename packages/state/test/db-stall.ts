/**
 * Event-loop stall measurement for the large-stream tests and the bench, and
 * a durastream server in a child process, so the server's own work does not
 * count as the reader's stall.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The longest stall seen while `work` ran, in two measures. */
export interface StallReport<T> {
  result: T;
  /** Longest wall-clock gap between ticks of a 5 ms timer, less its period. */
  maxWallStallMs: number;
  /**
   * Longest CPU time the main thread spent between two ticks (Linux
   * `/proc/thread-self/schedstat`; elsewhere the whole process's, GC helper
   * threads included): a gap in which the OS ran other processes (a loaded
   * machine) does not count, a gap spent running JavaScript or collecting
   * garbage on the main thread does.
   */
  maxCpuStallMs: number;
  /**
   * The stall the process's own work caused: per gap, the smaller of its wall
   * time (the loop cannot be held longer) and the CPU spent in it (time the OS
   * gave to other processes is not the reader's doing), less the period.
   */
  maxStallMs: number;
  /** How many times the timer ran while `work` ran: the loop's turns, roughly. */
  ticks: number;
  /** Wall time `work` took, in ms. */
  totalMs: number;
}

/** CPU time (ms) of the calling thread where Linux tells it, else of the whole process. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ", 1)[0]) / 1e6;
  } catch {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
}

/** Runs `work` with a 5 ms interval timer and reports the longest stall. */
export async function measureStall<T>(work: () => Promise<T>): Promise<StallReport<T>> {
  const period = 5;
  let lastWall = performance.now();
  let lastCpu = threadCpuMs();
  let maxWallStallMs = 0;
  let maxCpuStallMs = 0;
  let maxStallMs = 0;
  let ticks = 0;
  const start = performance.now();
  const tick = () => {
    ticks++;
    const wall = performance.now();
    const cpu = threadCpuMs();
    maxWallStallMs = Math.max(maxWallStallMs, wall - lastWall - period);
    const cpuMs = cpu - lastCpu;
    maxCpuStallMs = Math.max(maxCpuStallMs, cpuMs - period);
    maxStallMs = Math.max(maxStallMs, Math.min(wall - lastWall, cpuMs) - period);
    lastWall = wall;
    lastCpu = cpu;
  };
  const timer = setInterval(tick, period);
  try {
    const result = await work();
    tick();
    const totalMs = performance.now() - start;
    return { result, maxWallStallMs, maxCpuStallMs, maxStallMs, ticks, totalMs };
  } finally {
    clearInterval(timer);
  }
}

/** A durastream server (in memory) in a child process; it exits when its stdin closes. */
export async function startServerProcess(): Promise<{ base: string; close(): Promise<void> }> {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { startServer } from "@durastream/server";
       const server = await startServer({ port: 0, host: "127.0.0.1", memory: true });
       console.log(server.url);
       process.stdin.on("end", () => server.close().then(() => process.exit(0)));
       process.stdin.resume();`,
    ],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`server process exited (${code})`)));
    child.stdout.setEncoding("utf8");
    child.stdout.once("data", (line: string) => resolve(line.trim()));
  });
  return {
    base: `${url}/v1/stream`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.stdin.end();
      }),
  };
}
