/**
 * A restarting server answers its first request before it loads what that
 * request does not need (restart → first HEAD is a goal of issue #27): the
 * Yjs protocol, jose (auth and subscription tokens), prom-client and
 * node:https load on first use.
 */

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { testCleanups } from "./helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(HERE, "..", "bin", "durastream-server.js");
const RECORD_LOADS = join(HERE, "fixtures", "record-loads.cjs");
const DEFERRED = ["yjs", "lib0", "@durastream/yjs", "jose", "prom-client", "node:https", "https"];

const cleanups = testCleanups();

/** Specifiers among `loaded` that name a deferred module (or a file inside one). */
function deferredIn(loaded: readonly string[]): string[] {
  return DEFERRED.filter((name) =>
    loaded.some(
      (specifier) =>
        specifier === name ||
        specifier.startsWith(`${name}/`) ||
        specifier.includes(`/node_modules/${name}/`),
    ),
  );
}

/** Runs the bin on `dataDir` (recording module loads when asked); resolves once it listens. */
async function startChild(dataDir: string, record: boolean) {
  const child = spawn(
    process.execPath,
    [
      ...(record ? ["--require", RECORD_LOADS] : []),
      LAUNCHER,
      "--port",
      "0",
      "--data-dir",
      dataDir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  cleanups.defer(() => {
    child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    err += chunk;
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n").find((text) => text.includes('"durastream listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    }),
  );
  return {
    url,
    loaded: () =>
      err
        .split("\n")
        .filter((line) => line.startsWith("load "))
        .map((line) => line.slice(5)),
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    },
  };
}

test("after a restart the first request is served without loading Yjs, jose, prom-client or node:https; /metrics loads prom-client", async () => {
  const dataDir = cleanups.tempDir();
  // The first start makes the webhook signing keys (with jose) and a stream.
  const first = await startChild(dataDir, false);
  const created = await fetch(`${first.url}/v1/stream/first`, {
    method: "PUT",
    headers: { "content-type": "text/plain" },
    body: "hello",
  });
  expect(created.status).toBe(201);
  await first.stop();

  const restarted = await startChild(dataDir, true);
  expect((await fetch(`${restarted.url}/v1/stream/first`, { method: "HEAD" })).status).toBe(200);
  expect(restarted.loaded().length).toBeGreaterThan(20);
  // The bin ran the start-up bundle: the engine came inside it, not as its own modules.
  expect(restarted.loaded().some((specifier) => specifier.endsWith("/dist/bundle/bin.js"))).toBe(
    true,
  );
  expect(restarted.loaded()).not.toContain("@durastream/server-core");
  expect(deferredIn(restarted.loaded())).toEqual([]);

  // The recorder sees a deferred module once something needs it.
  expect((await fetch(`${restarted.url}/metrics`)).status).toBe(200);
  expect(deferredIn(restarted.loaded())).toContain("prom-client");
  await restarted.stop();
});
