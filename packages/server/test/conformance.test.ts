/**
 * The official conformance suite (npm @durable-streams/server-conformance-tests)
 * against a real durastream server: SQLite in a temp dir, real sockets.
 * The SQLite run compresses every catch-up body it can (threshold 1 byte;
 * the suite's fetch sends Accept-Encoding and decodes); the memory run does not.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll, describe } from "vitest";
import { type RunningServer, startServer } from "../src/index.js";

const LONG_POLL_TIMEOUT_MS = 2_000;

describe("durastream (SQLite, compression on) — official conformance suite", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "durastream-conformance-"));
    server = await startServer({
      port: 0,
      dataDir,
      longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
      compression: { thresholdBytes: 1 },
      allowLocalhostWebhooks: true,
    });
    config.baseUrl = server.url;
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  runConformanceTests(config);
});

describe("durastream (--memory) — official conformance suite", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      memory: true,
      longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
      allowLocalhostWebhooks: true,
    });
    config.baseUrl = server.url;
  });

  afterAll(async () => {
    await server?.close();
  });

  runConformanceTests(config);
});
