/**
 * `npm run dev:cloudflare` (packages/cloudflare/dist-dev/dev.js): serves the
 * Worker on workerd, keeps streams in `--persist-to`, and stops cleanly on
 * SIGINT and SIGTERM (exit code 0, workerd gone).
 */

import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startMockUpstream } from "../../server/test/proxy/mock-upstream.js";
import { eventually, keepAliveBelowWorkerd, tempDir } from "./helpers.js";

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

function startDev(args: string[], env: Record<string, string> = {}): Promise<DevServer> {
  const child = spawn(process.execPath, [DEV, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
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

  it("a busy port: one friendly line and exit 1, no workerd stack trace", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const child = spawn(process.execPath, [DEV, "--port", port], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      running.add(child);
      let output = "";
      child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
      child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      expect(code).toBe(1);
      expect(output).not.toMatch(/kj::Exception|stack:/);
      expect(output.trim().split("\n")).toEqual([
        `cannot listen on 127.0.0.1:${port}: address in use — stop the other server or pick another port with --port`,
      ]);
    } finally {
      busy.close();
    }
  }, 60_000);

  it("kill -9 of the dev process does not leave workerd serving the port", async () => {
    const dev = await startDev([]);
    expect((await fetch(`${dev.url}/v1/stream/dev/k9`, { method: "PUT" })).status).toBe(201);
    dev.child.kill("SIGKILL");
    await dev.exited;
    // Nothing answers on the port any more: every request fails to connect.
    await eventually(
      () =>
        fetch(`${dev.url}/v1/stream/dev/k9`, { method: "HEAD" }).then(
          () => false,
          () => true,
        ),
      10_000,
    );
  }, 60_000);

  it("passes the proxy's variables through; without a secret the run gets a signing key", async () => {
    const upstream = await startMockUpstream();
    try {
      const dev = await startDev([], {
        STREAMS_PROXY_ALLOWLIST: `${upstream.url}/**`,
        STREAMS_PROXY_ALLOW_LOCALHOST: "1",
      });
      const created = await fetch(`${dev.url}/v1/proxy`, {
        method: "POST",
        headers: { "upstream-url": `${upstream.url}/sse?n=2&delay=1`, "upstream-method": "GET" },
      });
      expect(created.status).toBe(201);
      const location = new URL(created.headers.get("location")!);
      location.searchParams.set("offset", "-1");
      let body = "";
      for (let i = 0; !body.includes("[DONE]"); i++) {
        expect(i).toBeLessThan(50);
        body = await (await fetch(location)).text();
      }
      expect(body).toContain("word1");
      dev.child.kill("SIGTERM");
      expect(await dev.exited).toBe(0);
    } finally {
      await upstream.close();
    }
  }, 60_000);
});
