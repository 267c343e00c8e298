/** Test fixtures: the built `durastream` binary as a child process, real servers, temp dirs. */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerOptions } from "@durastream/server";
import { startTempServer, type TempServer } from "../../../test-support/temp-server.js";

export { tempDir } from "../../../test-support/temp-dir.js";

/** The built binary; tests drive it exactly as a user would. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js");

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "npx tsc -b" first`);

/** An in-process server on a random port with SQLite in a temp dir, and its stream root. */
export function startTestServer(options: ServerOptions = {}): Promise<TempServer> {
  return startTempServer(options, "durastream-cli-test-");
}

/** Environment for a child: no inherited stream settings, plus `env`. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["DURABLE_STREAMS_URL", "STREAMS_SECRET", "DURABLE_STREAMS_SECRET"]) {
    delete base[name];
  }
  return { ...base, ...env };
}

/** Outcome of one `durastream` run. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** stdout as UTF-8. */
  readonly out: string;
}

/** Runs `durastream <args>` to completion, feeding `input` on stdin (closed when absent). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string | Uint8Array } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(options.env ?? {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    stderr += text;
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      const bytes = Buffer.concat(stdout);
      resolve({ code, stdout: bytes, stderr, out: bytes.toString("utf8") });
    });
  });
}

/** A long-running `durastream` child (tail, serve) whose output is collected as it comes. */
export interface LiveCli {
  readonly process: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** Resolves once stdout (or stderr) satisfies `predicate`; rejects after `ms`. */
  waitFor(predicate: (stdout: string, stderr: string) => boolean, ms?: number): Promise<void>;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
}

/** Starts `durastream <args>` and returns while it runs. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): LiveCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    out += text;
    notify();
  });
  child.stderr!.on("data", (text: string) => {
    err += text;
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(predicate, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(out, err)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out; stdout:\n${out}\nstderr:\n${err}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** The tail offset of a stream, from `durastream head --json`. */
export async function tailOffset(root: string, path: string): Promise<string> {
  const head = await runCli(["head", path, "--json", "--url", root]);
  if (head.code !== 0) throw new Error(`head failed: ${head.stderr}`);
  return (JSON.parse(head.out) as { offset: string }).offset;
}
