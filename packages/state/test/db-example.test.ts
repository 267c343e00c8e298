/**
 * The job board example (examples/job-board) in Chromium, started with its
 * one command: the page goes live with the producer's open jobs, and "take"
 * removes a job from the open list at once and writes it through the stream.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import {
  buildPackages,
  type Chromium,
  launchChromium,
  REPO_ROOT,
} from "../../../test-support/browser.js";
import { readMessages } from "./db-fixtures.js";

let chromium!: Chromium;
let example: ChildProcess | undefined;
beforeAll(async () => {
  buildPackages("state");
  chromium = await launchChromium();
}, 60_000);
afterAll(async () => {
  if (example && example.exitCode === null) {
    const exited = new Promise((resolve) => example!.once("exit", resolve));
    example.kill("SIGINT");
    await exited;
  }
  await chromium?.close();
});

it("examples/job-board: the page goes live, and taking a job shows at once and is written to the stream", async () => {
  example = spawn(process.execPath, [join(REPO_ROOT, "examples", "job-board", "serve.mjs")], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: "0", DURABLE_STREAMS_URL: "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [pageUrl, streamUrl] = await new Promise<[string, string]>((resolve, reject) => {
    example!.once("exit", (code) => reject(new Error(`the example exited (${code})`)));
    createInterface({ input: example!.stdout! }).on("line", (line) => {
      const m = /^job board: (\S+)\s+\(stream (\S+)\)/.exec(line);
      if (m) resolve([m[1]!, m[2]!]);
    });
  });
  const page = await chromium.browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "live");
    await page.waitForFunction(() => document.querySelectorAll("#open li").length >= 6);
    expect(await page.textContent("#stats")).toMatch(/open: \d+ jobs/);

    const first = page.locator("#open li").first();
    const title = await first.textContent();
    const openBefore = await page.locator("#open li").count();
    await first.locator("button").click();
    // Optimistic: gone from the open list before the write came back.
    const afterClick = await page.$$eval("#open li", (lis) => lis.map((li) => li.textContent));
    expect(afterClick).not.toContain(title);
    expect(afterClick.length).toBeLessThanOrEqual(openBefore);
    // And written through the stream.
    await vi.waitFor(
      async () => {
        const messages = (await readMessages(streamUrl)) as Array<{
          type: string;
          value?: { status?: string };
        }>;
        expect(messages.some((m) => m.type === "job" && m.value?.status === "taken")).toBe(true);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
}, 60_000);
