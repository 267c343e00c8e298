/**
 * The collaborative editor example (examples/yjs-editor) in real Chromium:
 * two pages bound to one document on durastream's /v1/yjs routes, typing at
 * the same time, converge to the same text with both pages' keystrokes, and
 * each shows the other as present (awareness).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "@durastream/server";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EditorApp, startEditorApp } from "../../../examples/yjs-editor/app.mjs";
import { buildPackages, type Chromium, launchChromium } from "../../../test-support/browser.js";

let server: RunningServer;
let app: EditorApp;
let chromium: Chromium;
const dataDir = mkdtempSync(join(tmpdir(), "durastream-yjs-browser-"));

beforeAll(async () => {
  buildPackages("yjs", "server");
  server = await startServer({ port: 0, dataDir, yjsCompactionThreshold: 2048 });
  app = await startEditorApp({ yjsBase: `${server.url}/v1/yjs/editor` });
  chromium = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chromium?.close();
  await app?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function open(docId: string, name: string): Promise<Page> {
  const page = await chromium.browser.newPage();
  page.on("pageerror", (error) => console.error(`[${name}] page error`, error.message));
  await page.goto(`${app.url}/?doc=${docId}&name=${name}`);
  await page.waitForFunction(() => document.body.dataset.synced === "true");
  return page;
}

const value = (page: Page) => page.$eval("#editor", (area) => (area as HTMLTextAreaElement).value);

describe("collaborative editor in Chromium", () => {
  it("two pages typing into one document at once converge, and see each other", async () => {
    const [alice, bob] = await Promise.all([open("typing", "alice"), open("typing", "bob")]);
    const fromAlice = "Alice types this line. ";
    const fromBob = "Bob types another one. ";
    await Promise.all([
      alice.type("#editor", fromAlice, { delay: 15 }),
      bob.type("#editor", fromBob, { delay: 15 }),
    ]);
    await expect
      .poll(async () => [await value(alice), await value(bob)], { timeout: 15_000 })
      .toSatisfy(([a, b]) => a === b && (a as string).length === fromAlice.length + fromBob.length);
    // Each page's keystrokes stay in order in the merged text.
    const merged = await value(alice);
    for (const typed of [fromAlice, fromBob]) {
      let at = -1;
      for (const char of typed) {
        at = merged.indexOf(char, at + 1);
        expect(at).toBeGreaterThanOrEqual(0);
      }
    }
    await expect.poll(() => alice.textContent("#peers"), { timeout: 15_000 }).toContain("bob");
    await expect.poll(() => bob.textContent("#peers"), { timeout: 15_000 }).toContain("alice");

    // A reload keeps the text (snapshot + tail from the server).
    await bob.reload();
    await bob.waitForFunction(() => document.body.dataset.synced === "true");
    await expect.poll(() => value(bob), { timeout: 15_000 }).toBe(merged);
    await alice.close();
    await bob.close();
  });
});
