/**
 * Health, readiness and metrics on the Worker (docs/cloudflare.md): liveness
 * from the Worker, readiness from the registry object, Prometheus gauges of
 * the deployment as the registry sees it; `/metrics` behind the secret when
 * one is set.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = dirname(fileURLToPath(import.meta.url));
const SECRET = "ops-secret";

/** The value of gauge `name` in a Prometheus text page. */
function gauge(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`${name} not in metrics`);
  return Number(line.slice(name.length + 1));
}

describe("Cloudflare Worker: health, readiness and metrics", () => {
  let open: LocalWorker;
  let locked: LocalWorker;
  let brokenRegistry: LocalWorker;

  beforeAll(async () => {
    const broken = await bundleWorker({
      entry: join(HERE, "workerd", "unreachable-registry-worker.ts"),
    });
    [open, locked, brokenRegistry] = await Promise.all([
      startLocalWorker({ port: 0, vars: { REGISTRY_REFRESH_MS: "200" } }),
      startLocalWorker({ port: 0, vars: { STREAMS_SECRET: SECRET } }),
      startLocalWorker({ port: 0, script: broken }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([open?.close(), locked?.close(), brokenRegistry?.close()]);
  });

  it("answers /healthz and /readyz without credentials", async () => {
    for (const worker of [open, locked]) {
      const health = await fetch(`${worker.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const ready = await fetch(`${worker.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready" });
    }
    const refused = await fetch(`${open.url}/healthz`, { method: "POST", body: "x" });
    expect(refused.status).toBe(405);
    expect(refused.headers.get("allow")).toBe("GET, HEAD");
  });

  it("is not ready while the registry cannot answer, though it is alive", async () => {
    expect((await fetch(`${brokenRegistry.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${brokenRegistry.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable" });
  });

  it("reports streams, their bytes and closed streams as Prometheus gauges", async () => {
    const text = { "content-type": "text/plain" };
    const base = `${open.url}/v1/stream/ops`;
    expect((await fetch(`${base}/a`, { method: "PUT", headers: text, body: "12345" })).status).toBe(
      201,
    );
    const closed = await fetch(`${base}/b`, {
      method: "PUT",
      headers: { ...text, "stream-closed": "true" },
      body: "abc",
    });
    expect(closed.status).toBe(201);
    expect((await fetch(`${base}/a`, { method: "POST", headers: text, body: "678" })).status).toBe(
      204,
    );
    let metrics = "";
    const deadline = Date.now() + 10_000;
    do {
      const response = await fetch(`${open.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      metrics = await response.text();
      if (gauge(metrics, "durastream_stream_bytes") === 11) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    expect(metrics).toContain("# TYPE durastream_streams gauge");
    expect(gauge(metrics, "durastream_streams")).toBe(2);
    expect(gauge(metrics, "durastream_stream_bytes")).toBe(11);
    expect(gauge(metrics, "durastream_closed_streams")).toBe(1);
  });

  it("keeps /metrics behind the secret when one is set", async () => {
    const bare = await fetch(`${locked.url}/metrics`);
    expect(bare.status).toBe(401);
    const authorized = await fetch(`${locked.url}/metrics`, {
      headers: { authorization: `Bearer ${SECRET}` },
    });
    expect(authorized.status).toBe(200);
    expect(gauge(await authorized.text(), "durastream_streams")).toBe(0);
  });
});
