/**
 * `@durastream/state/db` in Chromium: the page (browser/stream-db-page.js,
 * bundled with esbuild as an app would be) shows a live query of open jobs
 * that follows the stream, resumes after a reload from the snapshot and
 * offset it saved, and materializes 100,000 events without stalling its
 * event loop for more than 50 ms.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuite, REPO_ROOT } from "../../../test-support/browser.js";
import { createStateSchema } from "../src/index.js";
import { appendMessages, boardEvents, createJsonStream, EVENTS, job } from "./db-fixtures.js";
import { startServerProcess } from "./db-stall.js";
import { startDurastream, type TestServer, uniquePath } from "./servers.js";

const bundleDir = mkdtempSync(join(tmpdir(), "durastream-db-page-"));
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"></head>
<body><p id="status">starting</p><ul id="jobs"></ul><p id="count"></p>
<script type="module" src="/bundle/page.js"></script></body></html>`;

const accept = {
  "~standard": { version: 1 as const, vendor: "t", validate: (value: unknown) => ({ value }) },
};
const schema = createStateSchema({ jobs: { schema: accept, type: "job", primaryKey: "id" } });

describe("createStreamDB in a browser (Chromium)", () => {
  const suite = browserSuite("state", PAGE, { "/bundle/": relative(REPO_ROOT, bundleDir) });
  let server!: TestServer;
  beforeAll(async () => {
    await build({
      entryPoints: [new URL("./browser/stream-db-page.js", import.meta.url).pathname],
      outfile: join(bundleDir, "page.js"),
      bundle: true,
      format: "esm",
      platform: "browser",
      // An app's production build: TanStack DB drops its development checks.
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "error",
    });
    server = await startDurastream();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(bundleDir, { recursive: true, force: true });
  });

  it("a live query updates in the page, and a reload resumes from the saved offset", async () => {
    const url = `${server.base}${uniquePath("db-browser")}`;
    await createJsonStream(url);
    await appendMessages(url, [
      schema.jobs.insert({ value: job("j1", "open", "o1", 1) }),
      schema.jobs.insert({ value: job("j2", "filled", "o1", 2) }),
    ]);
    const page = await suite.chromium.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const items = () => page.$$eval("#jobs li", (lis) => lis.map((li) => li.textContent));
    try {
      await page.goto(`${suite.site.url}/?${new URLSearchParams({ url, save: "1", live: "sse" })}`);
      await page.waitForFunction(
        () => document.getElementById("status")?.textContent !== "starting",
      );
      expect(await page.textContent("#status")).toBe("ready");
      expect(await items()).toEqual(["j1"]);

      await appendMessages(url, [
        schema.jobs.insert({ value: job("j3", "open", "o1", 3) }),
        schema.jobs.update({ value: job("j2", "open", "o1", 2) }),
        schema.jobs.update({ value: job("j1", "closed", "o1", 1) }),
      ]);
      await page.waitForFunction(() => document.querySelectorAll("#jobs li").length === 2);
      expect(await items()).toEqual(["j2", "j3"]);
      const savedOffset = await page.evaluate(
        (key) => JSON.parse(localStorage.getItem(key) ?? "{}").offset as string,
        `board:${url}`,
      );
      expect(savedOffset).toMatch(/./);

      // Changes made while the page is gone, then a reload that resumes.
      await page.goto("about:blank");
      await appendMessages(url, [schema.jobs.insert({ value: job("j4", "open", "o1", 4) })]);
      await page.goto(`${suite.site.url}/?${new URLSearchParams({ url, save: "1", resume: "1" })}`);
      await page.waitForFunction(
        () => document.getElementById("status")?.textContent !== "starting",
      );
      expect(await page.textContent("#status")).toBe("ready");
      expect(await items()).toEqual(["j2", "j3", "j4"]);
      const offsets = await page.evaluate(
        () => (window as unknown as { requestedOffsets: string[] }).requestedOffsets,
      );
      expect(offsets[0]).toBe(savedOffset);
      expect(offsets).not.toContain("-1");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it(`materializes ${EVENTS} events into a live query without a stall over 50 ms`, async () => {
    const big = await startServerProcess();
    const page = await suite.chromium.browser.newPage();
    try {
      const url = `${big.base}${uniquePath("db-browser-scale")}`;
      await createJsonStream(url);
      const events = boardEvents(EVENTS);
      for (let i = 0; i < events.length; i += 5000)
        await appendMessages(url, events.slice(i, i + 5000));
      const open = new Set<string>();
      for (const e of events as Array<{
        type: string;
        key: string;
        value?: { status: string };
        headers: { operation: string };
      }>) {
        if (e.type !== "job") continue;
        if (e.headers.operation !== "delete" && e.value?.status === "open") open.add(e.key);
        else open.delete(e.key);
      }
      // Trace the page's main-thread tasks: a task's thread time (`tdur`)
      // is the CPU it held the event loop for, whatever else the machine runs.
      const cdp = await suite.chromium.browser.newCDPSession(page);
      const tasks: Array<{ dur: number; tdur: number }> = [];
      cdp.on("Tracing.dataCollected", ({ value }) => {
        for (const e of value as unknown as Array<{ name: string; dur?: number; tdur?: number }>) {
          if (e.name === "RunTask" && e.tdur !== undefined)
            tasks.push({ dur: e.dur ?? 0, tdur: e.tdur });
        }
      });
      const traced = new Promise<void>((resolve) =>
        cdp.once("Tracing.tracingComplete", () => resolve()),
      );
      await cdp.send("Tracing.start", {
        traceConfig: {
          includedCategories: ["disabled-by-default-devtools.timeline", "devtools.timeline"],
        },
        transferMode: "ReportEvents",
      });
      await page.goto(
        `${suite.site.url}/?${new URLSearchParams({ url, live: "false", count: "1" })}`,
      );
      await page.waitForFunction(
        () => document.getElementById("status")?.textContent !== "starting",
        null,
        {
          timeout: 120_000,
        },
      );
      expect(await page.textContent("#status")).toBe("ready");
      expect(await page.textContent("#count")).toBe(String(open.size));
      await cdp.send("Tracing.end");
      await traced;
      const longestTaskMs = Math.max(...tasks.map((t) => t.tdur)) / 1000;
      const { maxStallMs, loadMs } = await page.evaluate(() => ({
        maxStallMs: (window as unknown as { maxStallMs: number }).maxStallMs,
        loadMs: (window as unknown as { loadMs: number }).loadMs,
      }));
      console.log(
        `Chromium, ${EVENTS} events: loaded in ${Math.round(loadMs)} ms; longest task ${longestTaskMs.toFixed(1)} ms of thread time; longest timer gap ${maxStallMs.toFixed(1)} ms wall (${tasks.length} tasks traced)`,
      );
      expect(tasks.length).toBeGreaterThan(100);
      expect(longestTaskMs).toBeLessThan(50);
    } finally {
      await page.close();
      await big.close();
    }
  }, 180_000);
});
