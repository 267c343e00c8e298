/**
 * Real-browser test: Debian Chromium (driven by playwright-core) loads a page that
 * imports the built `@durastream/state` through an import map, produces entity
 * state with `createDurableStream` and materializes it live with `subscribeState`.
 * Skips when Chromium is not installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDurableStream, defineStreamSchema } from "../src/index.js";
import { handWrittenSchema, type Note } from "./fixtures.js";
import { SERVER_KINDS, startTestServer, type TestServer, uniquePath } from "./servers.js";

const CHROMIUM = "/usr/bin/chromium";
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const mounts: Record<string, string> = {
  "/state/": join(root, "packages/state/dist/"),
  "/client/": join(root, "packages/client/dist/"),
  "/protocol/": join(root, "packages/protocol/dist/"),
  "/eventsource-parser/": join(root, "node_modules/eventsource-parser/dist/"),
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<script type="importmap">
{ "imports": {
  "@durastream/state": "/state/index.js",
  "@durastream/client": "/client/index.js",
  "@durastream/protocol": "/protocol/index.js",
  "eventsource-parser": "/eventsource-parser/index.js"
} }
</script></head>
<body><ul id="notes"></ul><p id="status">starting</p>
<script type="module">
import { createDurableStream, defineStreamSchema, subscribeState } from "@durastream/state";
const params = new URLSearchParams(location.search);
const schema = defineStreamSchema({
  notes: {
    schema: { "~standard": { version: 1, vendor: "page", validate: (value) => ({ value }) } },
    type: "note",
    primaryKey: "id",
  },
});
const status = document.getElementById("status");
const render = (view) => {
  const list = document.getElementById("notes");
  list.replaceChildren(...[...view.all("notes").values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((note) => Object.assign(document.createElement("li"), { textContent: note.id + "=" + note.body })));
};
try {
  const view = subscribeState({ url: params.get("url"), schema, live: params.get("live") });
  view.onChange(() => render(view));
  await view.ready;
  status.textContent = "ready";
  window.produce = async () => {
    const producer = createDurableStream({
      streamPath: params.get("path"),
      schema,
      producerId: "browser-tab",
      baseUrl: params.get("base"),
    });
    producer.upsert("notes", { id: "b1", body: "from the browser" });
    producer.delete("notes", "n2");
    await producer.close();
  };
} catch (err) {
  status.textContent = "error: " + err;
}
</script></body></html>`;

const TYPES: Record<string, string> = { ".js": "text/javascript", ".map": "application/json" };

async function startStaticServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(PAGE);
      return;
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
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
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const schema = defineStreamSchema({
  notes: { schema: handWrittenSchema<Note>(), type: "note", primaryKey: "id" },
});

describe.skipIf(!existsSync(CHROMIUM))("state in a browser (Chromium)", () => {
  let browser: BrowserContext;
  let profile: string;
  let site: { url: string; server: Server };

  beforeAll(async () => {
    execFileSync("npx", ["tsc", "-b", "packages/state"], { cwd: root, stdio: "inherit" });
    profile = await mkdtemp(join(tmpdir(), "durastream-state-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
    });
    site = await startStaticServer();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  describe.each(SERVER_KINDS)("against %s server", (kind) => {
    let server: TestServer | undefined;
    beforeAll(async () => {
      server = await startTestServer(kind);
    });
    afterAll(async () => {
      await server?.close();
    });

    for (const live of ["sse", "long-poll"] as const) {
      it(`materializes live over ${live} and produces from the page`, async (ctx) => {
        if (!server) return ctx.skip();
        const streamPath = uniquePath("browser");
        const producer = createDurableStream({
          streamPath,
          schema,
          producerId: "node",
          baseUrl: server.base,
        });
        producer.upsert("notes", { id: "n1", body: "one" });
        producer.upsert("notes", { id: "n2", body: "two" });
        await producer.close();
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        const query = new URLSearchParams({
          url: `${server.base}${streamPath}`,
          base: server.base,
          path: streamPath,
          live,
        });
        try {
          await page.goto(`${site.url}/?${query}`);
          await page.waitForFunction(
            () => document.getElementById("status")?.textContent !== "starting",
          );
          expect(await page.textContent("#status")).toBe("ready");
          await page.waitForFunction(() => document.querySelectorAll("#notes li").length === 2);
          const again = createDurableStream({
            streamPath,
            schema,
            producerId: "node",
            baseUrl: server.base,
          });
          again.upsert("notes", { id: "n1", body: "one!" });
          await again.close();
          await page.waitForFunction(
            () => document.querySelector("#notes li")?.textContent === "n1=one!",
          );
          await page.evaluate(() => (window as unknown as { produce(): Promise<void> }).produce());
          await page.waitForFunction(
            () =>
              document.querySelectorAll("#notes li").length === 2 &&
              document.querySelectorAll("#notes li")[0]?.textContent === "b1=from the browser",
          );
          const items = await page.$$eval("#notes li", (lis) => lis.map((li) => li.textContent));
          expect(items).toEqual(["b1=from the browser", "n1=one!"]);
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      }, 30_000);
    }
  });
});
