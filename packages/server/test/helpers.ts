/** Test fixtures: real servers (in-process or child process) on real sockets, SQLite in temp dirs. */

import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import { tempDir } from "../../../test-support/temp-dir.js";
import { type RunningServer, type ServerOptions, startServer } from "../src/index.js";

export { tempDir };

/** What a test leaves behind: servers to close, directories to remove. */
export interface TestCleanups {
  /** Runs `cleanup` after the current test. */
  defer(cleanup: () => void | Promise<void>): void;
  /** A fresh temp directory, removed after the current test. */
  tempDir(): string;
}

/**
 * Cleanups for the enclosing suite's tests, run after each test newest
 * first: a server closes before its data directory is removed.
 */
export function testCleanups(): TestCleanups {
  const pending: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup();
  });
  return {
    defer: (cleanup) => {
      pending.push(cleanup);
    },
    tempDir: () => {
      const temp = tempDir();
      pending.push(temp.cleanup);
      return temp.dir;
    },
  };
}

/** Starts an in-process server on a random port. */
export function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, host: "127.0.0.1", ...options });
}

/**
 * One server for the enclosing suite, with its own temp data dir: started
 * before its tests, closed and removed after them. Read `.server` in tests.
 */
export function suiteServer(options: Omit<ServerOptions, "dataDir"> = {}): {
  readonly server: RunningServer;
} {
  const suite = {} as { server: RunningServer };
  let cleanup = () => {};
  beforeAll(async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    suite.server = await startTestServer({ ...options, dataDir: temp.dir });
  });
  afterAll(async () => {
    await suite.server?.close();
    cleanup();
  });
  return suite;
}

/** URL of stream `path` on `server`. */
export function streamUrl(server: { url: string }, path: string): string {
  return `${server.url}/v1/stream/${path}`;
}

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js");

/** A server running as a child process (for kill -9 and signal tests). */
export interface ChildServer {
  readonly url: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process ends. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
}

/** Spawns the built `durastream-server` binary and waits until it listens. */
export function spawnServer(
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const child = spawn(process.execPath, [BIN, "--port", "0", "--log-level", "info", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 10_000);
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => {
      output += text;
    });
    child.stdout!.on("data", (text: string) => {
      output += text;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, process: child, exited });
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening:\n${output}`));
    });
  });
}

/** Reads a whole stream from the beginning (following chunked catch-up reads). */
export async function readAll(url: string): Promise<{ body: Uint8Array; nextOffset: string }> {
  const parts: Uint8Array[] = [];
  let offset = "-1";
  for (;;) {
    const res = await fetch(`${url}?offset=${offset}`);
    if (res.status !== 200) throw new Error(`read ${url} failed: ${res.status}`);
    parts.push(new Uint8Array(await res.arrayBuffer()));
    offset = res.headers.get("stream-next-offset")!;
    if (res.headers.get("stream-up-to-date") === "true") break;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const body = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    body.set(part, at);
    at += part.length;
  }
  return { body, nextOffset: offset };
}
