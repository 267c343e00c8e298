#!/usr/bin/env node
/**
 * Measures the console at scale in Chromium: a server (SQLite in a temp dir)
 * with STREAMS streams (default 100,000) and one JSON stream of MESSAGES
 * messages (default 1,000,000); then the list is scrolled through 20 pages and
 * the big stream is tailed from -1 until up to date. Prints times, the rows
 * in the DOM, the page's long tasks and its JS heap. Needs `npm run build`
 * and Debian's chromium. Creating 100,000 streams takes a few minutes (each
 * create is fsynced).
 *
 *   node packages/console/scripts/measure-scale.mjs
 *   STREAMS=2000 MESSAGES=50000 node packages/console/scripts/measure-scale.mjs
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const STREAMS = Number(process.env.STREAMS ?? 100_000);
const MESSAGES = Number(process.env.MESSAGES ?? 1_000_000);
const BATCH = 10_000;
const JSON_TYPE = { "content-type": "application/json" };

const { startServer } = await import("../../server/dist/index.js");
const dir = mkdtempSync(join(tmpdir(), "durastream-console-scale-"));
const server = await startServer({ port: 0, dataDir: dir });
const root = `${server.url}/v1/stream`;
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});

try {
  let start = performance.now();
  let next = 0;
  const createSome = async () => {
    while (next < STREAMS) {
      const path = `s/${String(next++).padStart(6, "0")}`;
      const response = await fetch(`${root}/${path}`, { method: "PUT", headers: JSON_TYPE });
      if (response.status !== 201) throw new Error(`PUT ${path}: ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, createSome));
  console.log(`created ${STREAMS} streams in ${seconds(start)}`);

  start = performance.now();
  await fetch(`${root}/big`, { method: "PUT", headers: JSON_TYPE });
  for (let at = 0; at < MESSAGES; at += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, MESSAGES - at) }, (_, i) => ({
      n: at + i,
      user: `u${(at + i) % 97}`,
      text: "hello world",
    }));
    const response = await fetch(`${root}/big`, {
      method: "POST",
      headers: JSON_TYPE,
      body: JSON.stringify(items),
    });
    if (response.status >= 300) throw new Error(`POST: ${response.status}`);
  }
  console.log(`appended ${MESSAGES} messages in ${seconds(start)}`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(Math.round(entry.duration));
    }).observe({ type: "longtask", buffered: true });
  });
  start = performance.now();
  await page.goto(`${server.url}/`);
  await page.locator("#stream-rows a.stream-row").first().waitFor();
  console.log(`list: first page shown ${seconds(start)} after navigation`);
  start = performance.now();
  for (let pageCount = 2; pageCount <= 21; pageCount++) {
    await page.evaluate(() => {
      const list = document.getElementById("stream-rows");
      list.scrollTop = list.scrollHeight;
    });
    await page.waitForFunction(
      (n) => Number(document.getElementById("stream-count")?.textContent?.replace(/\D/g, "")) >= n,
      Math.min(pageCount * 200, STREAMS + 1),
    );
  }
  const listRows = await page.locator("#stream-rows li").count();
  console.log(`list: 20 more pages scrolled in ${seconds(start)}; ${listRows} rows in the DOM`);
  console.log(`list: long tasks ${JSON.stringify(await page.evaluate(() => window.longTasks))} ms`);

  await page.evaluate(() => {
    window.longTasks = [];
  });
  start = performance.now();
  await page.goto(`${server.url}/#/s/big`);
  await page.locator("#tail-state", { hasText: "Live, up to date" }).waitFor({ timeout: 600_000 });
  const tailRows = await page.locator("#message-rows li").count();
  console.log(
    `tail: ${MESSAGES} messages from -1 to up to date in ${seconds(start)}; ${tailRows} rows in the DOM`,
  );
  const tasks = await page.evaluate(() => window.longTasks);
  console.log(`tail: ${tasks.length} long tasks, longest ${Math.max(0, ...tasks)} ms`);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  console.log(`tail: JS heap ${(heap / 1e6).toFixed(0)} MB`);
  start = performance.now();
  await fetch(`${root}/big`, { method: "POST", headers: JSON_TYPE, body: '[{"n":"live"}]' });
  await page.locator("#message-rows .message-row", { hasText: '"live"' }).waitFor();
  console.log(`tail: an append shown ${seconds(start)} after it was sent`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
