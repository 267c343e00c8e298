/**
 * Limits from flags and environment variables land in
 * `startServer({ limits })`, the flag beating its environment twin, and
 * limits that seem not to fit together still give a working server.
 */

import { describe, expect, test } from "vitest";
import { parseConfig } from "../src/index.js";
import { startTestServer, streamUrl, testCleanups } from "./helpers.js";

function limitsOf(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseConfig(argv, env);
  if (parsed.help || parsed.version) throw new Error("expected options");
  return parsed.options.limits;
}

describe("limit settings", () => {
  const cleanups = testCleanups();

  test("flags and environment twins set the limits; the flag wins; zero is refused", () => {
    expect(
      limitsOf(["--write-timeout-ms", "2000"], {
        STREAMS_WRITE_TIMEOUT_MS: "9000",
        STREAMS_MAX_LIVE_READERS_PER_STREAM: "7",
        STREAMS_BODY_BUDGET_BYTES: String(128 * 1024 * 1024),
      }),
    ).toEqual({
      writeTimeoutMs: 2000,
      maxLiveReadersPerStream: 7,
      bodyBudgetBytes: 128 * 1024 * 1024,
    });
    expect(() => limitsOf(["--max-connections", "0"])).toThrow(/must be positive/);
  });

  test("a budget below the largest body still admits it alone; a short request timeout starts", async () => {
    const server = await startTestServer({
      dataDir: cleanups.tempDir(),
      maxBodyBytes: 64 * 1024,
      limits: { bodyBudgetBytes: 1024, requestTimeoutMs: 1000 },
    });
    cleanups.defer(() => server.close());
    const url = streamUrl(server, "cfg/a");
    await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(4096).fill(97));
        controller.close();
      },
    });
    const streamed = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: chunked,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(204);
    const sized = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "b".repeat(32 * 1024),
    });
    expect(sized.status).toBe(204);
  });
});
