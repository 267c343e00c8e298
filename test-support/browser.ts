/**
 * Shared by the client and state browser tests: Debian Chromium driven by
 * playwright-core, and a static site that serves one test page plus built
 * packages for the page's import map. A missing Chromium fails the test
 * run (it never skips): `.ci/run` installs it.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

const CHROMIUM = "/usr/bin/chromium";

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Builds workspace packages (the page imports their `dist/`). */
export function buildPackages(...names: string[]): void {
  const paths = names.map((name) => `packages/${name}`);
  execFileSync("npx", ["tsc", "-b", ...paths], { cwd: REPO_ROOT, stdio: "inherit" });
}

/** A headless Chromium with a fresh, empty profile. */
export interface Chromium {
  readonly browser: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``);
  }
  const profile = await mkdtemp(join(tmpdir(), "durastream-chromium-"));
  // Playwright passes the profile directory as --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile, {
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
  return {
    browser,
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".map": "application/json",
  ".html": "text/html",
};

/** A local site: `page` at `/`, and each mount's directory under its URL prefix. */
export interface StaticSite {
  readonly url: string;
  close(): void;
}

/**
 * Serves `page` at `/` and files below each mount (`"/client/"` →
 * `<root>/packages/client/dist/`); paths that escape a mount are 404.
 */
export async function startStaticSite(
  page: string,
  mounts: Record<string, string>,
): Promise<StaticSite> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page);
      return;
    }
    for (const [prefix, relative] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const dir = join(REPO_ROOT, relative);
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
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

/** What a browser suite's tests use. */
export interface BrowserSuite {
  readonly chromium: Chromium;
  readonly site: StaticSite;
}

/**
 * For the enclosing suite: builds `packageName`, launches Chromium and serves
 * `page` with `mounts` before its tests, and closes both after them.
 */
export function browserSuite(
  packageName: string,
  page: string,
  mounts: Record<string, string>,
): BrowserSuite {
  const suite = {} as { chromium: Chromium; site: StaticSite };
  beforeAll(async () => {
    buildPackages(packageName);
    suite.chromium = await launchChromium();
    suite.site = await startStaticSite(page, mounts);
  }, 60_000);
  afterAll(async () => {
    await suite.chromium?.close();
    suite.site?.close();
  });
  return suite;
}

/** `entry` (a test page in TypeScript) bundled by esbuild into one ES module script for Chromium. */
export async function bundlePage(entry: URL): Promise<string> {
  const { build } = await import("esbuild");
  const bundled = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return bundled.outputFiles[0]!.text;
}
