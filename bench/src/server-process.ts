/** Starts a server under test in its own child process and watches its memory. */

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SERVER_NODE_FLAGS } from "@durastream/server";
import { type MemoryFigures, readMemoryFigures } from "./proc-status.js";
import type { ServerKind } from "./server-kind.js";

const LAUNCHER = new URL("./launch-server.js", import.meta.url).pathname;
/** Server output goes here, one file per server and scenario, not to the terminal. */
export const SERVER_LOG_DIR = new URL("../results/logs/", import.meta.url).pathname;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Directory for `--cpu-prof` output, when profiling was asked for (BENCH_CPU_PROF=dir). */
const cpuProfileDir = process.env.BENCH_CPU_PROF;

export interface ServerProcessOptions {
  readonly kind: ServerKind;
  /** Data directory to reuse (restart); a fresh temp dir when omitted. */
  readonly dataDir?: string;
  /** Port to bind; 0 picks a free one. */
  readonly port?: number;
  /** Name that tags the CPU profile file when profiling. */
  readonly profileTag?: string;
  /** Turn on the server's response compression (gzip/deflate, and brotli for durastream). */
  readonly compression?: boolean;
  /**
   * Serve Yjs documents (`/v1/yjs`) compacting at this many bytes: durastream's
   * own routes, or the official Yjs server started in front of an official server.
   */
  readonly yjsCompactionThreshold?: number;
}

export class ServerProcess {
  readonly kind: ServerKind;
  readonly dataDir: string;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #ownsDataDir: boolean;
  #exited = false;
  #peakRssAtExit = Number.NaN;

  private constructor(
    kind: ServerKind,
    dataDir: string,
    ownsDataDir: boolean,
    port: number,
    child: ChildProcess,
  ) {
    this.kind = kind;
    this.dataDir = dataDir;
    this.#ownsDataDir = ownsDataDir;
    this.port = port;
    this.#child = child;
    child.once("exit", () => {
      this.#exited = true;
    });
  }

  /** Spawns the server and resolves once it listens. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir =
      options.dataDir ?? mkdtempSync(join(tmpdir(), `durastream-bench-${options.kind}-`));
    const nodeFlags = cpuProfileDir
      ? [
          "--cpu-prof",
          `--cpu-prof-dir=${cpuProfileDir}`,
          `--cpu-prof-name=${options.kind}-${options.profileTag ?? "run"}-${process.hrtime.bigint()}.cpuprofile`,
        ]
      : [];
    mkdirSync(SERVER_LOG_DIR, { recursive: true });
    const logFile = `${SERVER_LOG_DIR}${options.kind}-${options.profileTag ?? "run"}.log`;
    const stderrFd = openSync(logFile, "a");
    const child = spawn(
      process.execPath,
      [
        ...nodeFlags,
        // durastream runs with the flags `npm start` gives it.
        ...(options.kind === "durastream" ? SERVER_NODE_FLAGS : []),
        LAUNCHER,
        options.kind,
        String(options.port ?? 0),
        dataDir,
      ],
      {
        stdio: ["ignore", "pipe", stderrFd],
        env: {
          ...process.env,
          BENCH_COMPRESSION: options.compression ? "1" : "",
          BENCH_YJS_COMPACTION: options.yjsCompactionThreshold?.toString() ?? "",
        },
      },
    );
    closeSync(stderrFd);
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.kind} did not start`)),
        START_TIMEOUT_MS,
      );
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.kind} exited during start (code ${code})`));
      });
      // Other lines are the server's own log output (the official server logs to stdout).
      lines.on("line", (line) => {
        if (!line.startsWith('{"port":')) {
          appendFileSync(logFile, `${line}\n`);
          return;
        }
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    return new ServerProcess(options.kind, dataDir, ownsDataDir, port, child);
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Base URL of the stream root. */
  get streamRoot(): string {
    return `http://127.0.0.1:${this.port}/v1/stream`;
  }

  get alive(): boolean {
    return !this.#exited;
  }

  memory(): MemoryFigures {
    return readMemoryFigures(this.pid);
  }

  /** VmHWM now, or as last seen before it was terminated. */
  get peakRssBytes(): number {
    return this.#exited ? this.#peakRssAtExit : this.memory().peakRssBytes;
  }

  /** SIGTERM, then SIGKILL if it does not exit in time. Keeps the data dir. */
  async terminate(): Promise<{ graceful: boolean }> {
    if (this.#exited) return { graceful: true };
    this.#peakRssAtExit = this.memory().peakRssBytes;
    const exited = once(this.#child, "exit");
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    return { graceful: code === 0 && signal === null };
  }

  /** Terminates and removes the data dir it created. */
  async dispose(): Promise<void> {
    await this.terminate();
    if (this.#ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
