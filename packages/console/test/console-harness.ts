/**
 * The console's browser-test fixture: builds the console, starts a real
 * server that serves it — the Node server (SQLite in a temp dir) or the
 * Cloudflare Worker and its Durable Objects on workerd (Miniflare) — opens
 * Chromium pages on it, and saves screenshots under test-output/console/
 * (gitignored). Each suite runs once per target (`TARGETS`).
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  buildPackages,
  type Chromium,
  launchChromium,
  REPO_ROOT,
} from "../../../test-support/browser.js";
import { startLocalWorker } from "../../cloudflare/dev/local-worker.js";
import { startServer } from "../../server/src/index.js";

/** Where the console runs: the Node server, or the Cloudflare Worker on workerd. */
export type ConsoleTarget = "node" | "worker";

/** Every target a console suite runs against. */
export const TARGETS: readonly ConsoleTarget[] = ["node", "worker"];

/** What a suite asks of its server. */
export interface ConsoleServerOptions {
  /** Bearer secret every request must carry. */
  readonly secret?: string;
}

/** A running server that serves the console at `${url}/`. */
interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

async function startTarget(
  target: ConsoleTarget,
  options: ConsoleServerOptions,
  dataDir: string,
): Promise<ConsoleServer> {
  if (target === "node") {
    return startServer({ port: 0, host: "127.0.0.1", dataDir, secret: options.secret });
  }
  // The listing on the Worker lags appends by REGISTRY_REFRESH_MS: short here,
  // as the console's list polls and the tests read sizes from it.
  return startLocalWorker({
    port: 0,
    vars: {
      REGISTRY_REFRESH_MS: "200",
      ...(options.secret === undefined ? {} : { STREAMS_SECRET: options.secret }),
    },
  });
}

/** Where screenshots go. */
export const SCREENSHOTS = join(REPO_ROOT, "test-output", "console");

/** Builds the packages the console needs and its static assets. */
export function buildConsole(): void {
  buildPackages("console", "server");
  execFileSync(process.execPath, [join(REPO_ROOT, "packages/console/scripts/build-assets.mjs")], {
    stdio: "inherit",
  });
}

/** A server serving the console, and Chromium. */
export interface ConsoleSuite {
  readonly target: ConsoleTarget;
  /** The server's base URL: the console is at `${url}/`. */
  readonly url: string;
  readonly chromium: Chromium;
  /** The stream root URL, e.g. `http://127.0.0.1:1234/v1/stream`. */
  readonly root: string;
  /** A new page (closed after the test) at the console, `hash` appended. */
  open(hash?: string, viewport?: { width: number; height: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
}

/**
 * For the enclosing suite: builds, starts `target`'s server with `options`
 * and Chromium, closes both after.
 */
export function consoleSuite(
  target: ConsoleTarget,
  options: ConsoleServerOptions = {},
): ConsoleSuite {
  const state = {} as { server: ConsoleServer; chromium: Chromium; dir: string };
  const pages: Page[] = [];
  beforeAll(async () => {
    buildConsole();
    state.dir = mkdtempSync(join(tmpdir(), "durastream-console-"));
    [state.server, state.chromium] = await Promise.all([
      startTarget(target, options, state.dir),
      launchChromium(),
    ]);
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  // Each open console holds an SSE connection, and Chromium opens at most six
  // HTTP/1.1 connections per host: pages of finished tests must not pile up.
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close().catch(() => {});
  });
  afterAll(async () => {
    await state.chromium?.close();
    await state.server?.close();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  return {
    target,
    get url() {
      return state.server.url;
    },
    get chromium() {
      return state.chromium;
    },
    get root() {
      return `${state.server.url}/v1/stream`;
    },
    async open(hash = "", viewport = { width: 1280, height: 820 }) {
      const page = await state.chromium.browser.newPage();
      pages.push(page);
      await page.setViewportSize(viewport);
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      (page as Page & { errors: string[] }).errors = errors;
      await page.goto(`${state.server.url}/${hash}`);
      return page;
    },
    async screenshot(page, name) {
      const suffix = target === "node" ? "" : `-${target}`;
      await page.screenshot({ path: join(SCREENSHOTS, `${name}${suffix}.png`) });
    },
  };
}

/** Uncaught errors of a page opened by `open()`. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors: string[] }).errors;
}
