/**
 * Real-browser test: Debian Chromium (driven by playwright-core) loads a page
 * that imports the built client through an import map, tails a stream live
 * over SSE and over long-poll, and renders the items; while the page is
 * hidden, tailing pauses. Fails (never skips) when Chromium is missing.
 */

import type { Page, Request } from "playwright-core";
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
        const pageUrl = `${suite.site.url}/?live=${live}&url=${encodeURIComponent(url)}`;
        const page = await suite.chromium.browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        // The page's requests to the stream: how many were made, and which are in flight.
        let streamRequests = 0;
        const inFlight = new Set<Request>();
        let onSettled = () => {};
        page.on("request", (request) => {
          if (!request.url().startsWith(url)) return;
          streamRequests++;
          inFlight.add(request);
        });
        const aborted = new Set<Request>();
        const settled = (request: Request) => {
          if (inFlight.delete(request)) onSettled();
        };
        page.on("requestfinished", settled);
        page.on("requestfailed", (request) => {
          aborted.add(request);
          settled(request);
        });
        const noRequestInFlight = () =>
          new Promise<void>((resolve) => {
            onSettled = () => {
              if (inFlight.size === 0) resolve();
            };
            onSettled();
          });
        const rendered = (p: Page) =>
          p.$$eval("#items li", (lis) => lis.map((li) => li.textContent ?? ""));
        // A visible page tailing the same stream: once it shows an item, a
        // hidden page still tailing would have been sent it too.
        const witness = await suite.chromium.browser.newPage();
        try {
          await page.goto(pageUrl);
          await page.waitForFunction(() => document.querySelectorAll("#items li").length === 1);
          const live = [...inFlight]; // the live request, waiting for data
          expect(live.length).toBeGreaterThan(0);
          await page.evaluate(() => (window as unknown as PageTestHooks).setHidden(true));
          // The live request in flight is given up (aborted, not left to run out).
          await noRequestInFlight();
          expect(live.filter((request) => !aborted.has(request))).toEqual([]);
          const requestsWhenHidden = streamRequests;
          await handle.append({ text: "two" });
          await handle.append({ text: "three" });
          await witness.goto(pageUrl);
          await witness.waitForFunction(() => document.querySelectorAll("#items li").length === 3);
          expect(await rendered(page)).toEqual(["one"]);
          expect(streamRequests).toBe(requestsWhenHidden);

          await page.evaluate(() => (window as unknown as PageTestHooks).setHidden(false));
          await page.waitForFunction(() => document.querySelectorAll("#items li").length === 3);
          await handle.close({ body: JSON.stringify({ text: "four" }) });
          await page.waitForFunction(
            () => document.getElementById("status")?.textContent === "closed",
          );
          expect(await rendered(page)).toEqual(["one", "two", "three", "four"]);
          expect(streamRequests).toBeGreaterThan(requestsWhenHidden);
          expect(errors).toEqual([]);
        } finally {
          await witness.close();
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
