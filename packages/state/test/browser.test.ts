/**
 * Real-browser test: Debian Chromium (driven by playwright-core) loads a page that
 * imports the built `@durastream/state` through an import map, produces entity
 * state with `createDurableStream` and materializes it live with `subscribeState`.
 * Fails (never skips) when Chromium is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuite } from "../../../test-support/browser.js";
import { createDurableStream, defineStreamSchema } from "../src/index.js";
import { handWrittenSchema, type Note } from "./fixtures.js";
import { SERVER_KINDS, startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const MOUNTS = {
  "/state/": "packages/state/dist/",
  "/client/": "packages/client/dist/",
  "/protocol/": "packages/protocol/dist/",
  "/eventsource-parser/": "node_modules/eventsource-parser/dist/",
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

const schema = defineStreamSchema({
  notes: { schema: handWrittenSchema<Note>(), type: "note", primaryKey: "id" },
});

describe("state in a browser (Chromium)", () => {
  const suite = browserSuite("state", PAGE, MOUNTS);

  describe.each(SERVER_KINDS)("against %s server", (kind) => {
    let server!: TestServer;
    beforeAll(async () => {
      server = await startServerOfKind(kind);
    });
    afterAll(async () => {
      await server?.close();
    });

    for (const live of ["sse", "long-poll"] as const) {
      it(`materializes live over ${live} and produces from the page`, async () => {
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
        const page = await suite.chromium.browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        const query = new URLSearchParams({
          url: `${server.base}${streamPath}`,
          base: server.base,
          path: streamPath,
          live,
        });
        try {
          await page.goto(`${suite.site.url}/?${query}`);
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
