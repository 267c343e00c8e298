/**
 * SSRF refusals of the Node upstream port: with `--proxy-allow-localhost`
 * off, a loopback upstream is refused even when the allowlist names it —
 * as an IP literal and as a name resolved by DNS (checked on the address
 * actually connected to) — and the upstream never sees a request.
 */

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseConfig, type RunningServer } from "../../src/index.js";
import { startTestServer } from "../helpers.js";
import { type MockUpstream, startMockUpstream } from "./mock-upstream.js";
import { create } from "./proxy-client.js";

let upstream: MockUpstream;
let server: RunningServer;

beforeAll(async () => {
  upstream = await startMockUpstream();
  const port = new URL(upstream.url).port;
  server = await startTestServer({
    memory: true,
    proxy: {
      allowlist: [
        `http://127.0.0.1:${port}/**`,
        `http://localhost:${port}/**`,
        "http://[::1]:*/**",
      ],
    },
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe("SSRF", () => {
  test("loopback upstreams are refused without --proxy-allow-localhost, by literal and by name", async () => {
    const port = new URL(upstream.url).port;
    const proxyUrl = `${server.url}/v1/proxy`;
    for (const target of [
      `http://127.0.0.1:${port}/sse`,
      `http://localhost:${port}/sse`,
      `http://[::1]:${port}/sse`,
    ]) {
      const res = await create(proxyUrl, target);
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("UPSTREAM_NOT_ALLOWED");
      expect(body.error.message).toMatch(/loopback/);
    }
    expect(upstream.requests).toEqual([]);
  });

  test("with no allowlist the proxy is off", async () => {
    const off = await startTestServer({ memory: true });
    try {
      const res = await fetch(`${off.url}/v1/proxy`, { method: "POST" });
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe("settings", () => {
  test("--proxy-* flags and STREAMS_PROXY_* variables configure the proxy", () => {
    const parsed = parseConfig(
      [
        "--proxy-allowlist",
        "https://api.openai.com/**, http://127.0.0.1:*/**",
        "--proxy-allow-localhost",
        "--proxy-max-response-bytes",
        "1000",
      ],
      { STREAMS_PROXY_IDLE_TIMEOUT_MS: "5000" },
    );
    if (parsed.help || parsed.version) throw new Error("unexpected");
    expect(parsed.options.proxy).toEqual({
      allowlist: ["https://api.openai.com/**", "http://127.0.0.1:*/**"],
      allowLocalhost: true,
      maxResponseBytes: 1000,
      idleTimeoutMs: 5000,
    });
    const fromEnv = parseConfig([], {
      STREAMS_PROXY_ALLOWLIST: "https://a.example/v1/*",
      STREAMS_PROXY_ALLOW_LOCALHOST: "1",
    });
    if (fromEnv.help || fromEnv.version) throw new Error("unexpected");
    expect(fromEnv.options.proxy).toEqual({
      allowlist: ["https://a.example/v1/*"],
      allowLocalhost: true,
    });
    const none = parseConfig([], {});
    if (none.help || none.version) throw new Error("unexpected");
    expect(none.options.proxy).toBeUndefined();
    expect(() => parseConfig(["--proxy-allowlist", "api.openai.com/**"], {})).toThrow(
      /--proxy-allowlist/,
    );
  });
});
