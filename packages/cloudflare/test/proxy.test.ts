/**
 * The durable proxy on the Worker (workerd through Miniflare): the same
 * protocol suite as the Node server (`packages/server/test/proxy/proxy-suite.ts`),
 * against the same local mock upstreams, reached on loopback with
 * `STREAMS_PROXY_ALLOW_LOCALHOST=1`. Each proxy stream lives in its own
 * Durable Object, which makes the upstream call and pipes it after the 201.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { describe } from "vitest";
import { proxyProtocolSuite } from "../../server/test/proxy/proxy-suite.js";
import { TARGET_SETTINGS } from "../../server/test/proxy/proxy-target.js";
import { bundleWorker } from "../dev/bundle.js";
import { startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

/** The proxy's variables for `settings` (the Node option names, as Worker vars). */
function proxyVars(upstreamUrl: string, settings: Record<string, number>): Record<string, string> {
  const names: Record<string, string> = {
    headerTimeoutMs: "STREAMS_PROXY_HEADER_TIMEOUT_MS",
    idleTimeoutMs: "STREAMS_PROXY_IDLE_TIMEOUT_MS",
    maxDurationMs: "STREAMS_PROXY_MAX_DURATION_MS",
    maxResponseBytes: "STREAMS_PROXY_MAX_RESPONSE_BYTES",
    maxRequestBytes: "STREAMS_PROXY_MAX_REQUEST_BYTES",
  };
  const vars: Record<string, string> = {
    STREAMS_SECRET: TARGET_SETTINGS.secret,
    STREAMS_PROXY_ALLOWLIST: `${upstreamUrl}/**`,
    STREAMS_PROXY_ALLOW_LOCALHOST: "1",
  };
  for (const [key, value] of Object.entries(settings)) vars[names[key]!] = String(value);
  return vars;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("proxy protocol on Cloudflare", () => {
  proxyProtocolSuite(async (upstreamUrl) => {
    const script = await bundleWorker();
    const temp = tempDir();
    const output: string[] = [];
    const capture = (stdout: Readable, stderr: Readable) => {
      for (const stream of [stdout, stderr])
        stream.on("data", (chunk) => output.push(String(chunk)));
    };
    const main = await startLocalWorker({
      script,
      port: 0,
      persistTo: temp.dir,
      stdio: capture,
      vars: {
        ...proxyVars(upstreamUrl, TARGET_SETTINGS.main),
        STREAMS_PROXY_SIGNING_KEY: TARGET_SETTINGS.signingKey,
      },
    });
    const tight = await startLocalWorker({
      script,
      port: 0,
      vars: proxyVars(upstreamUrl, TARGET_SETTINGS.tight),
    });
    return {
      proxyUrl: `${main.url}/v1/proxy`,
      tightUrl: `${tight.url}/v1/proxy`,
      // Each proxy stream is an object of its own: count the objects' SQLite
      // files (a WAL beside its database counts once) that hold a journal.
      proxyStreamCount: async () => {
        const holders = new Set<string>();
        for (const file of filesUnder(temp.dir)) {
          if (readFileSync(file).includes("__ds/proxy/m/")) {
            holders.add(basename(file).replace(/-(wal|shm)$/, ""));
          }
        }
        return holders.size;
      },
      storedFiles: () => filesUnder(temp.dir),
      logs: () => output.join(""),
      close: async () => {
        await tight.close();
        await main.close();
        temp.cleanup();
      },
    };
  });
});
