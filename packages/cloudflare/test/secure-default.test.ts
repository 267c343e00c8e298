/**
 * A deployed Worker is public: with neither a secret nor a token issuer it
 * must not take anonymous writes unless the operator says so explicitly
 * (`STREAMS_ALLOW_ANONYMOUS_WRITES=1`). Reads stay open; nothing is stored.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const TEXT = { "content-type": "text/plain" };

describe("Cloudflare Worker: secure by default", () => {
  let bare: LocalWorker;
  let withSecret: LocalWorker;

  beforeAll(async () => {
    // As `wrangler deploy` would run it: the var absent.
    [bare, withSecret] = await Promise.all([
      startLocalWorker({ port: 0, vars: { STREAMS_ALLOW_ANONYMOUS_WRITES: "" } }),
      startLocalWorker({
        port: 0,
        vars: { STREAMS_ALLOW_ANONYMOUS_WRITES: "", STREAMS_SECRET: "deploy-secret" },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([bare?.close(), withSecret?.close()]);
  });

  it("refuses every write with 403 and a JSON error when nothing authenticates them, and stores nothing", async () => {
    const url = `${bare.url}/v1/stream/open/door`;
    for (const [method, body] of [
      ["PUT", undefined],
      ["POST", "data"],
      ["DELETE", undefined],
    ] as const) {
      const response = await fetch(url, { method, headers: TEXT, body });
      expect(response.status, method).toBe(403);
      expect(response.headers.get("content-type")).toBe("application/json");
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("ANONYMOUS_WRITES_DISABLED");
      expect(error.message).toContain("STREAMS_ALLOW_ANONYMOUS_WRITES");
    }
    // Reads are served as usual: the stream was never created.
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url, { method: "HEAD" })).status).toBe(404);
    const listing = await fetch(`${bare.url}/v1/stream/__ds/streams`);
    expect(listing.status).toBe(200);
    expect(((await listing.json()) as { streams: unknown[] }).streams).toEqual([]);
    // A CORS preflight is not a write.
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "PUT" },
    });
    expect(preflight.status).toBeLessThan(300);
  });

  it("takes writes that carry the secret when one is configured", async () => {
    const url = `${withSecret.url}/v1/stream/locked/door`;
    expect((await fetch(url, { method: "PUT", headers: TEXT })).status).toBe(401);
    const put = await fetch(url, {
      method: "PUT",
      headers: { ...TEXT, authorization: "Bearer deploy-secret" },
    });
    expect(put.status).toBe(201);
  });

  it("takes anonymous writes when the operator allows them explicitly", async () => {
    const open = await startLocalWorker({
      port: 0,
      vars: { STREAMS_ALLOW_ANONYMOUS_WRITES: "1" },
    });
    try {
      const put = await fetch(`${open.url}/v1/stream/open/ok`, { method: "PUT", headers: TEXT });
      expect(put.status).toBe(201);
    } finally {
      await open.close();
    }
  });
});
