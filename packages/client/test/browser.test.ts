/**
 * Real-browser test: Debian Chromium (driven by playwright-core) loads a page
 * that imports the built client through an import map, tails a stream live
 * over SSE and over long-poll, and renders the items; while the page is
 * hidden, tailing pauses. Fails (never skips) when Chromium is missing.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuite } from "../../../test-support/browser.js";
import { DurableStream } from "../src/index.js";
import { type RunningServer, servers, streamUrl } from "./support/servers.js";

const MOUNTS = {
  "/client/": "packages/client/dist/",
  "/protocol/": "packages/protocol/dist/",
  "/eventsource-parser/": "node_modules/eventsource-parser/dist/",
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

describe("browser (Chromium)", () => {
  const suite = browserSuite("client", PAGE, MOUNTS);

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
        const page = await suite.chromium.browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        try {
          await page.goto(`${suite.site.url}/?live=${live}&url=${encodeURIComponent(url)}`);
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
        const page = await suite.chromium.browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        let streamRequests = 0;
        page.on("request", (request) => {
          if (request.url().startsWith(url)) streamRequests++;
        });
        const rendered = () =>
          page.$$eval("#items li", (lis) => lis.map((li) => li.textContent ?? ""));
        try {
          await page.goto(`${suite.site.url}/?live=${live}&url=${encodeURIComponent(url)}`);
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
