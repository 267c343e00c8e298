/**
 * The example chat (examples/ai-chat) in real Chromium: TanStack AI's
 * ChatClient bundled with esbuild, on `durableStreamConnection`, against
 * durastream on SQLite and the mock model. A reload mid-answer shows the
 * whole answer once; two tabs see the same conversation live; regenerating
 * an answer forks the conversation and both branches stay readable.
 */

import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatApp, startChatApp } from "../../../examples/ai-chat/app.mjs";
import { mockAdapter } from "../../../examples/ai-chat/model.mjs";
import { type StreamsServer, startDurastream } from "../../../test-support/ai-servers.js";
import { buildPackages, type Chromium, launchChromium } from "../../../test-support/browser.js";

const ANSWER =
  /^Answer (\d+) to "([^"]*)": durable streams keep every token, so a reload, a second tab or a dropped connection shows this answer once, in full\.$/;

let server: StreamsServer;
let app: ChatApp;
let chromium: Chromium;

beforeAll(async () => {
  buildPackages("tanstack-ai");
  server = await startDurastream();
  app = await startChatApp({ streamsRoot: server.base, adapter: mockAdapter({ tokenMs: 40 }) });
  chromium = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chromium?.close();
  await app?.close();
  await server?.close();
});

/** The conversation as the page shows it: [role, text] per message. */
function shown(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval("#messages li", (items) =>
    items.map(
      (item) =>
        [
          (item as HTMLElement).dataset.role ?? "",
          item.querySelector(".text")?.textContent ?? "",
        ] as [string, string],
    ),
  );
}

async function openChat(page: Page, id?: string): Promise<string> {
  await page.goto(id ? `${app.url}/?chat=${id}` : app.url);
  await page.waitForFunction(() => (window as unknown as { chat?: unknown }).chat !== undefined);
  return page.evaluate(() => (window as unknown as { chat: { id: string } }).chat.id);
}

async function ask(page: Page, text: string): Promise<void> {
  await page.fill("#prompt", text);
  await page.click("#form button");
}

const assistantText = async (page: Page) =>
  (await shown(page)).find(([role]) => role === "assistant")?.[1] ?? "";

describe("the example chat in Chromium", () => {
  it("a reload mid-answer shows the whole answer, once", async () => {
    const page = await chromium.browser.newPage();
    try {
      await openChat(page);
      await ask(page, "reload me");
      await expect
        .poll(async () => (await assistantText(page)).length, { timeout: 5_000 })
        .toBeGreaterThan(20);
      expect(await assistantText(page)).not.toMatch(ANSWER); // still generating
      await page.reload();
      await expect.poll(() => assistantText(page), { timeout: 10_000 }).toMatch(ANSWER);
      const messages = await shown(page);
      expect(messages.map(([role]) => role)).toEqual(["user", "assistant"]);
      expect(messages[0]?.[1]).toBe("reload me");
      expect(messages[1]?.[1]).toMatch(ANSWER);
    } finally {
      await page.close();
    }
  });

  it("two tabs see the same conversation live", async () => {
    const first = await chromium.browser.newPage();
    const second = await chromium.browser.newPage();
    try {
      const id = await openChat(first);
      await openChat(second, id);
      await ask(first, "two tabs");
      // The second tab sees the answer grow, not just its end.
      await expect
        .poll(async () => (await assistantText(second)).length, { timeout: 5_000 })
        .toBeGreaterThan(10);
      expect(await assistantText(second)).not.toMatch(ANSWER);
      await expect.poll(() => assistantText(second), { timeout: 10_000 }).toMatch(ANSWER);
      await expect.poll(() => assistantText(first), { timeout: 10_000 }).toMatch(ANSWER);
      expect(await shown(second)).toEqual(await shown(first));
      expect((await shown(second))[0]).toEqual(["user", "two tabs"]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("regenerate from here forks the conversation: both branches are shown", async () => {
    const page = await chromium.browser.newPage();
    try {
      const original = await openChat(page);
      await ask(page, "branch me");
      await expect.poll(() => assistantText(page), { timeout: 10_000 }).toMatch(ANSWER);
      const first = await assistantText(page);
      await page.click("#messages li[data-role=assistant] .regenerate");
      await page.waitForURL((url) => !url.search.includes(original), { timeout: 5_000 });
      await page.waitForFunction(
        () => (window as unknown as { chat?: unknown }).chat !== undefined,
      );
      await expect.poll(() => assistantText(page), { timeout: 10_000 }).toMatch(ANSWER);
      const regenerated = await assistantText(page);
      expect(regenerated).not.toBe(first);
      expect(
        (await shown(page)).map(([role, text]) => [role, role === "user" ? text : "…"]),
      ).toEqual([
        ["user", "branch me"],
        ["assistant", "…"],
      ]);
      expect(await page.textContent("#branches a[data-kind=original]")).toContain(original);

      await openChat(page, original);
      await expect.poll(() => assistantText(page), { timeout: 5_000 }).toBe(first);
      expect(await page.$$eval("#branches a[data-kind=branch]", (links) => links.length)).toBe(1);
    } finally {
      await page.close();
    }
  });
});
