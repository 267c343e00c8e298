/**
 * The official conformance suite (npm @durable-streams/server-conformance-tests)
 * against the Worker and its Durable Objects on workerd (Miniflare), with the
 * objects' SQLite persisted in a temp dir and real sockets.
 */

import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll, describe } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const LONG_POLL_TIMEOUT_MS = 2_000;

describe("durastream (Cloudflare Worker + Durable Objects on workerd) — official conformance suite", () => {
  const config = { baseUrl: "", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true };
  let worker: LocalWorker;
  let cleanup = () => {};

  beforeAll(async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    worker = await startLocalWorker({
      port: 0,
      persistTo: temp.dir,
      // The suite's webhook receivers listen on 127.0.0.1.
      vars: {
        LONG_POLL_TIMEOUT_MS: String(LONG_POLL_TIMEOUT_MS),
        STREAMS_ALLOW_LOCALHOST_WEBHOOKS: "1",
      },
    });
    config.baseUrl = worker.url;
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    cleanup();
  });

  runConformanceTests(config);
});
