/**
 * `createDurableChatTransport` in real Chromium: the AI SDK's `Chat` (what
 * `useChat` wraps) against an app whose `/api/chat` runs `streamText` on the
 * AI SDK's mock model and writes through `toDurableStreamResponse` into
 * durastream. A reload mid-generation shows the whole answer once; a second
 * tab opened mid-generation follows it live.
 */

import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type AppServer,
  type StreamsServer,
  startApp,
  startDurastream,
} from "../../../test-support/ai-servers.js";
import {
  buildPackages,
  bundlePage,
  type Chromium,
  launchChromium,
} from "../../../test-support/browser.js";
import { chatApp } from "./chat-app.js";

const TOKENS = Array.from({ length: 40 }, (_, i) => `tok${i} `);

let server: StreamsServer;
let site: AppServer;
let chromium: Chromium;
let chat: ReturnType<typeof chatApp>;

beforeAll(async () => {
  buildPackages("ai-sdk");
  server = await startDurastream();
  chat = chatApp({
    streamsBase: server.base,
    script: () => ({ kind: "text", tokens: TOKENS, delayMs: 60 }),
  });
  const script = await bundlePage(new URL("./transport-page.ts", import.meta.url));
  // The page and its backend on one origin, as in an app; streams on durastream's.
  site = await startApp(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/app.js") {
      return new Response(script, { headers: { "content-type": "text/javascript" } });
    }
    if (path === "/") {
      return new Response('<!doctype html><script type="module" src="/app.js"></script>', {
        headers: { "content-type": "text/html" },
      });
    }
    return chat.handle(request);
  });
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await site?.close();
  await server?.close();
});

async function open(page: Page, id: string): Promise<void> {
  await page.goto(`${site.url}/?chat=${id}`);
  await page.waitForFunction(() => "answer" in window);
}

const answer = (page: Page) =>
  page.evaluate(() => (window as unknown as { answer(): string }).answer());
const answers = (page: Page) =>
  page.evaluate(() => (window as unknown as { answers(): number }).answers());
const ask = (page: Page, text: string) =>
  page.evaluate((t) => (window as unknown as { ask(t: string): void }).ask(t), text);

it("a reload mid-generation shows the whole answer once", async () => {
  const page = await chromium.browser.newPage();
  try {
    await open(page, "reload");
    await ask(page, "Count.");
    await expect
      .poll(async () => (await answer(page)).length, { timeout: 10_000 })
      .toBeGreaterThan(TOKENS.slice(0, 5).join("").length);
    expect(await answer(page)).not.toBe(TOKENS.join("")); // still generating
    const generations = chat.streams.length;

    await page.reload();
    await page.waitForFunction(() => "answer" in window);
    await expect.poll(() => answer(page), { timeout: 15_000 }).toBe(TOKENS.join(""));
    expect(await answers(page)).toBe(1);
    // Resuming read the same generation; the model was not asked again.
    expect(chat.streams.length).toBe(generations);
  } finally {
    await page.close();
  }
});

it("a second tab opened mid-generation follows it live to the end", async () => {
  const first = await chromium.browser.newPage();
  const second = await chromium.browser.newPage();
  try {
    await open(first, "tabs");
    await ask(first, "Count.");
    await expect
      .poll(async () => (await answer(first)).length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    await open(second, "tabs");
    // The second tab sees the answer grow, not only its end.
    await expect
      .poll(async () => (await answer(second)).length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await answer(second)).not.toBe(TOKENS.join(""));
    await expect.poll(() => answer(second), { timeout: 15_000 }).toBe(TOKENS.join(""));
    await expect.poll(() => answer(first), { timeout: 15_000 }).toBe(TOKENS.join(""));
    expect(await answers(second)).toBe(1);
    expect(await answers(first)).toBe(1);
  } finally {
    await first.close();
    await second.close();
  }
});
