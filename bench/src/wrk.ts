/** Runs `wrk` (installing it with apt-get when missing) and reads the JSON its Lua done() prints. */

import { execFileSync, spawn } from "node:child_process";

const LUA_DIR = new URL("../lua/", import.meta.url).pathname;

export interface WrkResult {
  readonly requests: number;
  readonly durationUs: number;
  readonly errors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    readonly status: number;
    readonly timeout: number;
  };
  /** Count of responses ≥ 400 by status code. */
  readonly failedStatuses: Record<string, number>;
  readonly latencyUs: {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly mean: number;
  };
  /** CPU time wrk used (all its threads), seconds. */
  readonly cpuSeconds: number;
}

export interface WrkOptions {
  readonly url: string;
  /** File name under bench/lua/. */
  readonly script: string;
  readonly scriptArgs?: readonly string[];
  readonly connections: number;
  readonly threads: number;
  readonly durationSeconds: number;
  readonly timeoutSeconds: number;
}

function hasWrk(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its banner; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/** Makes sure `wrk` is on the PATH (Debian package `wrk`). */
export function ensureWrk(): void {
  if (hasWrk()) return;
  process.stderr.write("wrk not found; installing it with apt-get (Debian package wrk)…\n");
  try {
    execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit" });
  } catch {
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit" });
  }
  if (!hasWrk()) throw new Error("could not install wrk");
}

export function totalErrors(result: WrkResult): number {
  const e = result.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    `--threads=${options.threads}`,
    `--connections=${options.connections}`,
    `--duration=${options.durationSeconds}s`,
    `--timeout=${options.timeoutSeconds}s`,
    `--script=${LUA_DIR}${options.script}`,
    options.url,
    ...(options.scriptArgs?.length ? ["--", ...options.scriptArgs] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRK_REPORT_LUA: `${LUA_DIR}report.lua` },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = stdout.split("\n").find((l) => l.startsWith('{"event":"result"'));
      if (code !== 0 || !line) reject(new Error(`wrk failed (code ${code}): ${stderr || stdout}`));
      else resolve(JSON.parse(line) as WrkResult);
    });
  });
}
