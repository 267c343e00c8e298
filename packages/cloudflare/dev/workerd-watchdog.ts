/**
 * Makes workerd end with the dev process, however that ends. Miniflare runs
 * workerd as a child; a `kill -9` of node (or a crash) gives node no chance
 * to stop it, and workerd would go on serving the port. A small detached
 * watchdog process holds a pipe from node: the kernel closes it when node
 * dies for any reason, and on that end-of-file the watchdog stops workerd.
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** Runs in the watchdog: argv are workerd pids; stdin ends when the dev process is gone. */
const WATCHDOG = `
const pids = process.argv.slice(1).map(Number);
const { readFileSync } = require("node:fs");
const stop = () => {
  for (const pid of pids) {
    try {
      // Only a process that is still workerd: its pid may be reused once it ended.
      if (readFileSync("/proc/" + pid + "/comm", "utf8").trim() !== "workerd") continue;
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
`;

/** Child processes of `pid` named `workerd` (Linux; empty elsewhere). */
export function workerdChildren(pid: number = process.pid): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((child) => {
        try {
          return readFileSync(`/proc/${child}/comm`, "utf8").trim() === "workerd";
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

/** Starts the watchdog for the workerd children of this process (none found: nothing to do). */
export function watchWorkerd(): void {
  const pids = workerdChildren();
  if (pids.length === 0) return;
  const watchdog = spawn(process.execPath, ["-e", WATCHDOG, ...pids.map(String)], {
    // Its own process group: Ctrl-C on the terminal is for the dev process,
    // which stops workerd itself; the watchdog only covers what it cannot.
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.unref();
}
