/**
 * The durable proxy on the Node server over SQLite: the protocol suite
 * (`proxy-suite.ts`, shared with the Cloudflare Worker) and what is Node's
 * own (the bound on upstream calls in flight across the whole process).
 */

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, tempDir } from "../helpers.js";
import { type MockUpstream, startMockUpstream } from "./mock-upstream.js";
import { create, created } from "./proxy-client.js";
import { proxyProtocolSuite } from "./proxy-suite.js";
import { TARGET_SETTINGS } from "./proxy-target.js";

describe("proxy protocol on Node", () => {
  proxyProtocolSuite(async (upstreamUrl) => {
    const temp = tempDir();
    const logLines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const allow = { allowlist: [`${upstreamUrl}/**`], allowLocalhost: true };
    const server = await startTestServer({
      dataDir: temp.dir,
      secret: TARGET_SETTINGS.secret,
      logger: pino({ level: "trace" }, sink),
      proxy: { ...allow, signingKey: TARGET_SETTINGS.signingKey, ...TARGET_SETTINGS.main },
    });
    const tight = await startTestServer({
      memory: true,
      secret: TARGET_SETTINGS.secret,
      proxy: { ...allow, ...TARGET_SETTINGS.tight },
    });
    return {
      proxyUrl: `${server.url}/v1/proxy`,
      tightUrl: `${tight.url}/v1/proxy`,
      proxyStreamCount: async () =>
        server.store.listFrom("__ds/proxy/", "__ds/proxy/", 10_000).length,
      storedFiles: () => readdirSync(temp.dir).map((name) => join(temp.dir, name)),
      logs: () => logLines.join(""),
      close: async () => {
        await tight.close();
        await server.close();
        temp.cleanup();
      },
    };
  });
});

describe("proxy limits of the Node process", () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockUpstream();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  test("upstream calls in flight are bounded: 503 with Retry-After, freed when one ends", async () => {
    const small = await startTestServer({
      memory: true,
      proxy: { allowlist: [`${upstream.url}/**`], allowLocalhost: true, maxConcurrent: 1 },
    });
    try {
      const smallProxy = `${small.url}/v1/proxy`;
      const response = upstream.controlled("in-flight");
      await created(create(smallProxy, `${upstream.url}/controlled/in-flight`));
      const second = await create(smallProxy, `${upstream.url}/sse`);
      expect(second.status).toBe(503);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe("OVERLOADED");
      expect(second.headers.get("retry-after")).toBe("1");
      response.end();
      await response.closed;
      // Freed once the first response ended.
      for (let status = 0; status !== 201; ) {
        status = (await create(smallProxy, `${upstream.url}/echo`)).status;
        if (status !== 201) expect(status).toBe(503);
      }
    } finally {
      await small.close();
    }
  });
});
