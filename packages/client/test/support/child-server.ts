/**
 * A server running as a child process (durastream or the official one) over
 * a data directory, so tests can `kill -9` it and start it again on the same
 * port, as a crash and restart look to a client.
 */

import { type ChildProcess, spawn } from "node:child_process";

const SCRIPT = new URL("../fixtures/restartable-server.mjs", import.meta.url);

export type ChildServerKind = "durastream" | "official";

export interface ChildServer {
  /** Origin, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Resolves once the process has ended. */
  readonly exited: Promise<void>;
  /** SIGKILL, and wait for the process to be gone. */
  kill9(): Promise<void>;
}

/** Starts a server process on `port` (0: any free port) over `dataDir`. */
export function startChildServer(
  kind: ChildServerKind,
  dataDir: string,
  port = 0,
): Promise<ChildServer> {
  const child = spawn(process.execPath, [SCRIPT.pathname], {
    env: { ...process.env, SERVER_KIND: kind, DATA_DIR: dataDir, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${output}`));
    }, 20_000);
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => {
      output += text;
    });
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (text: string) => {
      output += text;
      const match = /\{"url":"(http:\/\/[^"]+)"\}/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      const url = match[1]!;
      resolve({
        url,
        port: Number(new URL(url).port),
        process: child,
        exited,
        async kill9() {
          child.kill("SIGKILL");
          await exited;
        },
      });
    });
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening:\n${output}`));
    });
  });
}
