/**
 * `npm run dev:cloudflare` (packages/cloudflare/dist-dev/dev.js): serves the
 * Worker on workerd, keeps streams in `--persist-to`, and stops cleanly on
 * SIGINT and SIGTERM (exit code 0, workerd gone).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const DEV = join(dirname(fileURLToPath(import.meta.url)), "..", "dist-dev", "dev.js");

interface DevServer {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
});

function startDev(args: string[]): Promise<DevServer> {
  const child = spawn(process.execPath, [DEV, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => {
      output += text;
    });
    child.stdout!.on("data", (text: string) => {
      output += text;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ url: match[1]!, child, exited });
    });
    child.once("exit", () => reject(new Error(`dev server exited before listening:\n${output}`)));
  });
}

describe("npm run dev:cloudflare", () => {
  it("persists to --persist-to and stops cleanly on SIGTERM and SIGINT", async () => {
    const temp = tempDir();
    try {
      const first = await startDev(["--persist-to", temp.dir]);
      const url = `${first.url}/v1/stream/dev/notes`;
      const headers = { "content-type": "text/plain" };
      expect((await fetch(url, { method: "PUT", headers })).status).toBe(201);
      expect((await fetch(url, { method: "POST", headers, body: "kept" })).status).toBe(204);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);

      const second = await startDev(["--persist-to", temp.dir]);
      const read = await fetch(`${second.url}/v1/stream/dev/notes?offset=-1`);
      expect(await read.text()).toBe("kept");
      second.child.kill("SIGINT");
      expect(await second.exited).toBe(0);
    } finally {
      temp.cleanup();
    }
  }, 60_000);
});
