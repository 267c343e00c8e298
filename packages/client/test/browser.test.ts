/**
 * Real-browser test: Debian Chromium (driven by playwright-core) loads a page
 * that imports the built client through an import map, tails a stream live
 * over SSE and over long-poll, and renders the items; while the page is
 * hidden, tailing pauses. Fails (never skips) when Chromium is missing.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DurableStream } from "../src/index.js";
import { type RunningServer, servers, streamUrl } from "./support/servers.js";

const CHROMIUM = "/usr/bin/chromium";
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const mounts: Record<string, string> = {
  "/client/": join(root, "packages/client/dist/"),
  "/protocol/": join(root, "packages/protocol/dist/"),
  "/eventsource-parser/": join(root, "node_modules/eventsource-parser/dist/"),
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<script type="importmap">
{ "imports": {
  "@durastream/client": "/client/index.js",
  "@durastream/protocol": "/protocol/index.js",
  "eventsource-parser": "/eventsource-parser/index.js"
} }
</script></head>
<body><ul id="items"></ul><p id="status">starting</p>
<script>
// Headless pages are always visible: the test hides and shows this one by hand.
window.setHidden = (hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
  document.dispatchEvent(new Event("visibilitychange"));
};
</script>
<script type="module">
import { stream } from "@durastream/client";
const params = new URLSearchParams(location.search);
const list = document.getElementById("items");
const status = document.getElementById("status");
try {
  const res = await stream({ url: params.get("url"), live: params.get("live"), offset: "-1" });
  status.textContent = "live";
  res.subscribeJson((batch) => {
    for (const item of batch.items) {
      const li = document.createElement("li");
      li.textContent = item.text;
      list.appendChild(li);
    }
    if (batch.streamClosed) status.textContent = "closed";
  });
} catch (err) {
  status.textContent = "error: " + err;
}
</script></body></html>`;

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".map": "application/json",
  ".html": "text/html",
};

async function startStaticServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(PAGE);
      return;
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir)) break;
      try {
        const body = await readFile(file);
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("browser (Chromium)", () => {
  let browser: BrowserContext;
  let profile: string;
  let site: { url: string; server: Server };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``);
    }
    execFileSync("npx", ["tsc", "-b", "packages/client"], { cwd: root, stdio: "inherit" });
    profile = await mkdtemp(join(tmpdir(), "durastream-chromium-"));
    // A new, empty profile directory (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    site = await startStaticServer();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  describe.each(servers)("against $name", (impl) => {
    let server: RunningServer;
    beforeAll(async () => {
      server = await impl.start();
    });
    afterAll(async () => {
      await server?.close();
    });

    for (const live of ["sse", "long-poll"] as const) {
      it(`tails a stream live over ${live} and renders every item`, async () => {
        const url = streamUrl(server, "browser");
        const handle = await DurableStream.create({ url, contentType: "application/json" });
        await handle.append({ text: "one" });
        await handle.append({ text: "two" });
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        try {
          await page.goto(`${site.url}/?live=${live}&url=${encodeURIComponent(url)}`);
          await page.waitForFunction(() => document.querySelectorAll("#items li").length === 2);
          await handle.append({ text: "three" });
          await handle.append({ text: "four" });
          await handle.close({ body: JSON.stringify({ text: "five" }) });
          await page.waitForFunction(
            () => document.getElementById("status")?.textContent === "closed",
          );
          const items = await page.$$eval("#items li", (lis) => lis.map((li) => li.textContent));
          expect(items).toEqual(["one", "two", "three", "four", "five"]);
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      });

      it(`pauses ${live} tailing while the page is hidden and resumes where it left off`, async () => {
        const url = streamUrl(server, "browser-hidden");
        const handle = await DurableStream.create({ url, contentType: "application/json" });
        await handle.append({ text: "one" });
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        let streamRequests = 0;
        page.on("request", (request) => {
          if (request.url().startsWith(url)) streamRequests++;
        });
        const rendered = () =>
          page.$$eval("#items li", (lis) => lis.map((li) => li.textContent ?? ""));
        try {
          await page.goto(`${site.url}/?live=${live}&url=${encodeURIComponent(url)}`);
          await page.waitForFunction(() => document.querySelectorAll("#items li").length === 1);
          await page.evaluate(() => (window as unknown as PageTestHooks).setHidden(true));
          await sleep(300); // the live request in flight is given up
          const requestsWhenHidden = streamRequests;
          await handle.append({ text: "two" });
          await handle.append({ text: "three" });
          await sleep(1_000);
          expect(await rendered()).toEqual(["one"]);
          expect(streamRequests).toBe(requestsWhenHidden);

          await page.evaluate(() => (window as unknown as PageTestHooks).setHidden(false));
          await page.waitForFunction(() => document.querySelectorAll("#items li").length === 3);
          await handle.close({ body: JSON.stringify({ text: "four" }) });
          await page.waitForFunction(
            () => document.getElementById("status")?.textContent === "closed",
          );
          expect(await rendered()).toEqual(["one", "two", "three", "four"]);
          expect(streamRequests).toBeGreaterThan(requestsWhenHidden);
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      });
    }
  });
});

/** What the test page exposes to the test. */
interface PageTestHooks {
  /** Emulates the tab being hidden or shown (headless pages are always visible). */
  setHidden(hidden: boolean): void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
