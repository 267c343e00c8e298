/**
 * The web console's static files as the Node server serves them, from a
 * fixture build (a manifest and its files in a temp dir): GET/HEAD only,
 * the manifest's content types, ETags and cache policy, nothing outside the
 * manifest (no path reaches the file system), and stream routes untouched.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonErrorCode, rawExchange } from "../../../test-support/raw-http.js";
import { startTestServer, testCleanups } from "./helpers.js";

const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});\n`;
let assets: string;

beforeAll(() => {
  assets = mkdtempSync(join(tmpdir(), "durastream-console-assets-"));
  const files: Record<string, [string, string, boolean]> = {
    "index.html": [
      '<!doctype html><meta name="durastream-stream-root" content="/v1/stream"><script src="./app-1.js"></script>',
      "text/html; charset=utf-8",
      false,
    ],
    "app-1.js": [SCRIPT, "text/javascript; charset=utf-8", true],
  };
  const manifest = { version: 1, index: "index.html", files: {} as Record<string, unknown> };
  for (const [name, [body, contentType, immutable]] of Object.entries(files)) {
    writeFileSync(join(assets, name), body);
    manifest.files[name] = { contentType, bytes: body.length, etag: `"${name}-tag"`, immutable };
  }
  writeFileSync(join(assets, "manifest.json"), JSON.stringify(manifest));
  // A file beside the assets that no request may reach.
  writeFileSync(join(assets, "secret.txt"), "not for you");
});
afterAll(() => rmSync(assets, { recursive: true, force: true }));

describe("console static files", () => {
  const cleanups = testCleanups();
  const start = async (options: Parameters<typeof startTestServer>[0] = {}) => {
    const server = await startTestServer({ memory: true, console: { dir: assets }, ...options });
    cleanups.defer(() => server.close());
    return server;
  };

  it("serves index.html at / with the stream root, revalidated, with a CSP", async () => {
    const server = await start({ basePath: "/api/streams" });
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).toContain('<meta name="durastream-stream-root" content="/api/streams">');
    expect(server.consoleUrl).toBe(`${server.url}/`);

    const etag = response.headers.get("etag")!;
    const again = await fetch(`${server.url}/?x=1`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("serves hashed files as immutable, gzipped when asked, and HEAD without a body", async () => {
    const server = await start();
    const plain = await rawExchange(
      server.url,
      "GET /app-1.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(plain.response?.status).toBe(200);
    expect(plain.response?.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.response?.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.response?.body.toString()).toBe(SCRIPT);

    const zipped = await rawExchange(
      server.url,
      "GET /app-1.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    expect(zipped.response?.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(zipped.response!.body).toString()).toBe(SCRIPT);

    const head = await rawExchange(
      server.url,
      "HEAD /app-1.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      { head: true },
    );
    expect(head.response?.status).toBe(200);
    expect(head.response?.headers["content-length"]).toBe(String(SCRIPT.length));
    expect(head.response?.body.length).toBe(0);
  });

  it("serves absolute-form request targets like origin-form ones", async () => {
    const server = await start();
    const { response } = await rawExchange(
      server.url,
      "GET http://example.test/app-1.js HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n",
    );
    expect(response?.status).toBe(200);
    expect(response?.body.toString()).toBe(SCRIPT);
  });

  it("refuses other methods with 405 and a JSON error", async () => {
    const server = await start();
    const response = await fetch(`${server.url}/`, { method: "POST", body: "x" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "METHOD_NOT_ALLOWED",
    );
  });

  it("serves nothing outside the manifest, whatever the path", async () => {
    const server = await start();
    for (const target of [
      "/secret.txt",
      "/manifest.json",
      "/index.html/../secret.txt",
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/app-1.js/",
    ]) {
      const { response } = await rawExchange(
        server.url,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(response?.status, target).toBeGreaterThanOrEqual(400);
      expect(response?.body.toString(), target).not.toContain("not for you");
      expect(jsonErrorCode(response!), target).toBeDefined();
    }
  });

  it("leaves the stream routes alone", async () => {
    const server = await start();
    const put = await fetch(`${server.url}/v1/stream/app-1.js`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
    });
    expect(put.status).toBe(201);
    const head = await fetch(`${server.url}/v1/stream/app-1.js`, { method: "HEAD" });
    expect(head.headers.get("content-type")).toBe("text/plain");
  });

  it("moves to --console-path, and is gone with --no-console", async () => {
    const moved = await start({ console: { dir: assets, path: "/console" } });
    const redirect = await fetch(`${moved.url}/console?x=1`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/console/?x=1");
    expect((await fetch(`${moved.url}/console/`)).status).toBe(200);
    expect((await fetch(`${moved.url}/console/app-1.js`)).status).toBe(200);
    expect((await fetch(`${moved.url}/`)).status).toBe(404);
    expect(moved.consoleUrl).toBe(`${moved.url}/console/`);

    const off = await start({ console: false });
    const response = await fetch(`${off.url}/`);
    expect(response.status).toBe(404);
    expect(off.consoleUrl).toBeNull();
  });

  it("refuses a console path inside the stream root", async () => {
    await expect(start({ console: { dir: assets, path: "/v1/stream/ui" } })).rejects.toThrow(
      /outside the stream root/,
    );
  });
});
