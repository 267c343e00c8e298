/**
 * The web console served by the Worker at `/` (its files embedded in the
 * bundle), working against the objects in Chromium: the stream list (from the
 * registry), a stream's live tail (SSE through the Worker's relay) and the
 * State view. The Node server's own console tests are in packages/console.
 */

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  buildPackages,
  type Chromium,
  launchChromium,
  REPO_ROOT,
} from "../../../test-support/browser.js";
import { DurableStream } from "../../client/src/index.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const JSON_TYPE = "application/json";

describe("web console on the Worker (Chromium)", () => {
  let worker: LocalWorker;
  let chromium: Chromium;
  const pages: Page[] = [];

  beforeAll(async () => {
    buildPackages("console");
    execFileSync(process.execPath, [join(REPO_ROOT, "packages/console/scripts/build-assets.mjs")], {
      stdio: "inherit",
    });
    // Bundled now, after the console's build: the bundle embeds its files.
    worker = await startLocalWorker({ port: 0, vars: { REGISTRY_REFRESH_MS: "200" } });
    chromium = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close().catch(() => {});
  });

  afterAll(async () => {
    await chromium?.close();
    await worker?.close();
  });

  const root = () => `${worker.url}/v1/stream`;
  const create = (path: string) =>
    DurableStream.create({ url: `${root()}/${path}`, contentType: JSON_TYPE });

  async function open(hash = ""): Promise<Page & { errors: string[] }> {
    const page = Object.assign(await chromium.browser.newPage(), { errors: [] as string[] });
    pages.push(page);
    page.on("pageerror", (error) => page.errors.push(String(error)));
    await page.goto(`${worker.url}/${hash}`);
    return page;
  }

  it("serves the page and its files like the Node server: headers, ETags, methods", async () => {
    const page = await fetch(`${worker.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const html = await page.text();
    expect(html).toContain('<meta name="durastream-stream-root" content="/v1/stream"');
    const script = html.match(/src="\.?\/?(app-[\w-]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${worker.url}/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    const etag = js.headers.get("etag")!;
    await js.arrayBuffer();
    const again = await fetch(`${worker.url}/${script}`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const post = await fetch(`${worker.url}/`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    const missing = await fetch(`${worker.url}/no-such-file.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("lists the objects' streams from the registry and filters them by prefix", async () => {
    await create("cf-orders/1");
    await create("cf-orders/2");
    await create("cf-logs/app");
    const page = await open();
    await page.locator('a[data-path="cf-logs/app"]').waitFor({ timeout: 15_000 });
    await page.getByLabel("Path prefix").fill("cf-orders/");
    await page.locator("#stream-count", { hasText: "2 streams" }).waitFor();
    const paths = await page
      .locator("#stream-rows a.stream-row")
      .evaluateAll((links) => links.map((a) => a.getAttribute("data-path")));
    expect(paths).toEqual(["cf-orders/1", "cf-orders/2"]);
    expect(page.errors).toEqual([]);
  });

  it("tails a stream live through the Worker's SSE relay", async () => {
    const chat = await create("cf-chat/room");
    await chat.append(JSON.stringify({ from: "ada", text: "hello" }));
    const page = await open("#/s/cf-chat/room");
    await page.locator("#tail-state", { hasText: "Live, up to date" }).waitFor();
    expect(await page.locator("#message-rows .message-row").count()).toBe(1);
    await chat.append(JSON.stringify({ from: "bob", text: "arrived live" }));
    await page.locator("#message-rows .message-row", { hasText: "arrived live" }).waitFor();
    expect(page.errors).toEqual([]);
  });

  it("shows State Protocol entities, updating live", async () => {
    const users = await create("cf-state/users");
    const event = (key: string, operation: string, value?: unknown) =>
      JSON.stringify({ type: "user", key, headers: { operation }, ...(value ? { value } : {}) });
    await users.append(event("u1", "insert", { name: "Ada" }));
    await users.append(event("u2", "insert", { name: "Bob" }));
    const page = await open("#/s/cf-state/users?view=state");
    await page.locator("#state-summary", { hasText: "2 events applied" }).waitFor();
    await users.append(event("u1", "delete"));
    await page.locator("#state-summary", { hasText: "3 events applied" }).waitFor();
    const keys = await page.locator('table[data-collection="user"] tbody tr th').allTextContents();
    expect(keys).toEqual(["u2"]);
    expect(page.errors).toEqual([]);
  });
});
