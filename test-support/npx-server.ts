/**
 * Starts a durastream server the way the docs tell users to, through `npx`
 * (`npx durastream-server`, `npx durastream serve`), in a pipe or in a
 * pseudo-terminal, and checks that a signal stops it cleanly: the port stops
 * answering and the SQLite database was closed (a clean close checkpoints and
 * removes the `-wal` file; a killed server leaves it behind).
 *
 * Used from a clone (the workspace's bins) and from the installed tarballs.
 */

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type PtyProcess, runInPty, stripEscapes } from "./pty.js";

/** A server started through npx. */
export interface NpxServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything printed so far. */
  output(): string;
  /**
   * Sends `signal` as a user would: to npx. In a pty SIGINT is Ctrl-C typed
   * on the terminal (the terminal signals its whole foreground group).
   */
  signal(signal: NodeJS.Signals): void;
  /** Closes the pseudo-terminal (as closing a terminal window does); pty only. */
  closeTerminal(): void;
  /** Kills whatever is left (cleanup). */
  kill(): void;
}

/** Starts `npx <argv>` with `--port 0 --data-dir <dataDir>`, in a pipe or a pty, from `cwd`. */
export async function startThroughNpx(
  argv: string[],
  options: { cwd: string; dataDir: string; pty: boolean; env?: NodeJS.ProcessEnv },
): Promise<NpxServer> {
  const command = ["npx", ...argv, "--port", "0", "--data-dir", options.dataDir];
  const env = { ...process.env, STREAMS_SECRET: "", DURABLE_STREAMS_SECRET: "", ...options.env };
  if (options.pty) {
    const pty: PtyProcess = runInPty(command, { cwd: options.cwd, env });
    const match = await pty.waitFor(/URL +(http:\/\/127\.0\.0\.1:\d+)/);
    await pty.waitFor(/Stop .*\n/);
    return {
      url: match[1]!,
      output: () => stripEscapes(pty.output()),
      signal: (signal) => {
        if (signal === "SIGINT") pty.child.stdin!.write("\x03");
        else for (const pid of childPids(pty.child.pid!)) signalPid(pid, signal);
      },
      // The pty's master end closes: the kernel hangs up the terminal (SIGHUP).
      closeTerminal: () => pty.kill("SIGKILL"),
      kill: () => {
        // `script` runs the command in a new session: its group is npx's pid.
        for (const pid of childPids(pty.child.pid!)) signalPid(-pid, "SIGKILL");
        pty.kill("SIGKILL");
      },
    };
  }
  // detached: npx gets its own process group, so cleanup can reach whatever it started.
  const child = spawn(command[0]!, command.slice(1), {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      text += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(text);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", () => reject(new Error(`npx exited before listening:\n${text}`)));
  });
  return {
    url,
    output: () => text,
    signal: (signal) => child.kill(signal),
    closeTerminal: () => {
      throw new Error("no terminal in a pipe");
    },
    kill: () => signalPid(-child.pid!, "SIGKILL"),
  };
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Children of `pid` (Linux). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Resolves once nothing answers at `url`; rejects after `timeoutMs`. */
export async function waitUntilGone(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} still answers ${timeoutMs} ms after the signal`);
}

/**
 * Resolves true once the database in `dataDir` has been closed cleanly (no
 * WAL left behind: a clean close checkpoints and removes it; a killed server
 * leaves it), false if that has not happened within `timeoutMs`. The port
 * closes first, the database a moment later.
 */
export async function closedCleanly(dataDir: string, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const clean = () =>
    existsSync(join(dataDir, "durastream.db")) && !existsSync(join(dataDir, "durastream.db-wal"));
  while (!clean() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return clean();
}
