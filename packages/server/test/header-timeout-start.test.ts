/**
 * The header (slow-loris) timeout holds however the server process was
 * started: as `npm start` runs it (its Node flags, output into a pipe), on a
 * terminal, in the background with its output discarded, and spawned with
 * every stdio ignored. Each gets a half-sent request head and must answer
 * the JSON 408 and close within a few header timeouts.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { eventually } from "../../../test-support/eventually.js";
import { type PtyProcess, runInPty } from "../../../test-support/pty.js";
import { openSocket } from "../../../test-support/raw-http.js";
import { SERVER_NODE_FLAGS } from "../src/process/node-flags.js";

// What `npm start` and the `durastream-server` bin run: the start-up bundle.
const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bundle", "bin.js");
const HEADERS_TIMEOUT_MS = 400;

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` accepts connections (the server is up). */
function listening(port: number): Promise<void> {
  const answers = () =>
    fetch(`http://127.0.0.1:${port}/healthz`)
      .then((res) => res.arrayBuffer())
      .then(
        () => true,
        () => false,
      );
  return eventually(answers, 15_000, 50, `a server listening on port ${port}`);
}

/** Sends half a request head; resolves with what came back and how long until the close. */
async function halfHead(port: number): Promise<{ received: string; ms: number }> {
  const socket: Socket = await openSocket(`http://127.0.0.1:${port}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let received = "";
    const limit = setTimeout(() => {
      socket.destroy();
      reject(new Error(`half-sent head still open after ${Date.now() - started} ms`));
    }, HEADERS_TIMEOUT_MS * 10);
    socket.on("data", (data: Buffer) => {
      received += data.toString("latin1");
    });
    socket.on("error", () => {});
    socket.once("close", () => {
      clearTimeout(limit);
      resolve({ received, ms: Date.now() - started });
    });
    socket.write("GET /v1/stream/x HTTP/1.1\r\nHost: x\r\n");
  });
}

const env = { ...process.env, STREAMS_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) };

describe("the header timeout, by how the server was started", () => {
  const stops: Array<() => void> = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "durastream-start-"));
    dirs.push(dir);
    return dir;
  };
  const stopChild = (child: ChildProcess) => () => child.kill("SIGKILL");

  async function expectTimeout(port: number): Promise<void> {
    await listening(port);
    const { received, ms } = await halfHead(port);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('"code":"REQUEST_TIMEOUT"');
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
  }

  test("as npm start runs it: its Node flags, output into a pipe", async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [...SERVER_NODE_FLAGS, BIN, "--port", String(port), "--data-dir", dataDir()],
      { env, stdio: ["pipe", "pipe", "pipe"] },
    );
    stops.push(stopChild(child));
    child.stdout!.resume();
    child.stderr!.resume();
    await expectTimeout(port);
  }, 30_000);

  test("on a terminal", async () => {
    const port = await freePort();
    const pty: PtyProcess = runInPty(
      [process.execPath, BIN, "--port", String(port), "--data-dir", dataDir()],
      { env },
    );
    stops.push(() => pty.kill("SIGKILL"));
    await pty.waitFor(/listening|http:\/\/127\.0\.0\.1/);
    await expectTimeout(port);
  }, 30_000);

  test("in the background with its output discarded (> /dev/null 2>&1 &)", async () => {
    const port = await freePort();
    const pidFile = join(dataDir(), "pid");
    const shell = spawn(
      "sh",
      [
        "-c",
        `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --port ${port} --data-dir ${JSON.stringify(dataDir())} > /dev/null 2>&1 & echo $! > ${JSON.stringify(pidFile)}`,
      ],
      { env, stdio: "ignore" },
    );
    await new Promise((resolve) => shell.once("exit", resolve));
    const pid = Number(readFileSync(pidFile, "utf8"));
    stops.push(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    });
    await expectTimeout(port);
  }, 30_000);

  test('spawned with stdio: "ignore"', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, "--port", String(port), "--data-dir", dataDir()], {
      env,
      stdio: "ignore",
    });
    stops.push(stopChild(child));
    await expectTimeout(port);
  }, 30_000);
});
