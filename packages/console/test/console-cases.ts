/**
 * The web console in Chromium against each real server that serves it (the
 * Node server over SQLite in a temp dir, the Cloudflare Worker and its
 * Durable Objects on workerd): the stream list and its search, a stream's live tail,
 * appending from the form, forking at a message, deleting, and the State
 * view updating live. Screenshots of each view land in test-output/console/.
 * Run by `console.test.ts` (Node) and `console-worker.test.ts` (the Worker),
 * two files so that vitest runs the targets side by side.
 */

import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DurableStream, stream } from "../../client/src/index.js";
import { type ConsoleTarget, consoleSuite, pageErrors } from "./console-harness.js";

/** Waits until the stream list shows only (and some) paths under `prefix`. */
async function onlyUnder(page: Page, prefix: string): Promise<void> {
  await page.waitForFunction((p) => {
    const rows = [...document.querySelectorAll("#stream-rows a.stream-row")];
    return rows.length > 0 && rows.every((a) => a.getAttribute("data-path")?.startsWith(p));
  }, prefix);
}

const JSON_TYPE = "application/json";

/** The console's browser tests against `target`'s server (one server for the suite). */
export function consoleCases(target: ConsoleTarget): void {
  describe(`web console on ${target} (Chromium)`, () => {
    const suite = consoleSuite(target);

    const create = (path: string, contentType = JSON_TYPE, extra: Record<string, unknown> = {}) =>
      DurableStream.create({ url: `${suite.root}/${path}`, contentType, ...extra });

    const readAll = async (path: string) => {
      const response = await stream({ url: `${suite.root}/${path}`, live: false, json: true });
      return response.json();
    };

    it("serves the page and its files: headers, ETags, methods", async () => {
      const page = await fetch(`${suite.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(page.headers.get("cache-control")).toBe("no-cache");
      const html = await page.text();
      expect(html).toContain('<meta name="durastream-stream-root" content="/v1/stream"');
      const script = html.match(/src="\.?\/?(app-[\w-]+\.js)"/)?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${suite.url}/${script}`);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toContain("javascript");
      expect(js.headers.get("cache-control")).toContain("immutable");
      const etag = js.headers.get("etag")!;
      await js.arrayBuffer();
      const again = await fetch(`${suite.url}/${script}`, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);
      const post = await fetch(`${suite.url}/`, { method: "POST", body: "x" });
      expect(post.status).toBe(405);
      await post.arrayBuffer();
      const missing = await fetch(`${suite.url}/no-such-file.js`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    });

    it("lists streams with badges and filters them by prefix", async () => {
      const orders = await create("orders/1");
      await orders.append(JSON.stringify({ id: 1, total: 12.5 }));
      await create("orders/2", JSON_TYPE, { closed: true });
      await create("orders/archive", JSON_TYPE, { ttlSeconds: 3600 });
      await create("logs/app", "text/plain", { body: "started\n" });
      const page = await suite.open();
      const rows = page.locator("#stream-rows a.stream-row");
      await page.locator('a[data-path="logs/app"]').waitFor();
      expect(await rows.count()).toBeGreaterThanOrEqual(4);
      const closed = page.locator('a[data-path="orders/2"] .badge.closed');
      expect(await closed.textContent()).toBe("closed");
      expect(await page.locator('a[data-path="orders/archive"] .badge.expiry').count()).toBe(1);
      expect(await page.locator('a[data-path="logs/app"] .ctype').textContent()).toBe("text/plain");

      await page.getByLabel("Path prefix").fill("orders/");
      await page.locator("#stream-count", { hasText: "3 streams" }).waitFor();
      const paths = await rows.evaluateAll((links) =>
        links.map((a) => a.getAttribute("data-path")),
      );
      expect(paths).toEqual(["orders/1", "orders/2", "orders/archive"]);

      // Polling: a stream created now shows up without a reload.
      await create("orders/3");
      await page.locator('a[data-path="orders/3"]').waitFor({ timeout: 10_000 });
      await suite.screenshot(page, "list");
      expect(pageErrors(page)).toEqual([]);
    });

    it("tails a stream live: an append from elsewhere shows up", async () => {
      const chat = await create("chat/room-1");
      await chat.append(JSON.stringify({ from: "ada", text: "hello", tags: ["greeting"] }));
      await chat.append(JSON.stringify({ from: "bob", text: "hi ada" }));
      const page = await suite.open("#/s/chat/room-1");
      await page.locator("#stream-heading", { hasText: "chat/room-1" }).waitFor();
      await page.locator("#tail-state", { hasText: "Live, up to date" }).waitFor();
      const messages = page.locator("#message-rows .message-row");
      expect(await messages.count()).toBe(2);

      await chat.append(JSON.stringify({ from: "cy", text: "arrived live" }));
      await page.locator("#message-rows .message-row", { hasText: "arrived live" }).waitFor();
      expect(await messages.count()).toBe(3);

      // Selecting a message shows it pretty-printed and collapsible.
      await messages.first().click();
      const tree = page.locator(".detail .json-tree");
      await tree.locator(".j-string", { hasText: '"greeting"' }).waitFor();
      await suite.screenshot(page, "stream");
      await page.emulateMedia({ colorScheme: "dark" });
      await suite.screenshot(page, "stream-dark");
      await page.emulateMedia({ colorScheme: "light" });
      await tree.locator("summary").first().click();
      expect(await tree.locator("details").first().getAttribute("open")).toBeNull();
      expect(pageErrors(page)).toEqual([]);
    });

    it("shows text as text and bytes as a hex dump", async () => {
      const log = await create("show/log", "text/plain");
      await log.append("line one\nline two");
      const blob = await create("show/blob", "application/octet-stream");
      await blob.append(new Uint8Array([0x00, 0x01, 0x48, 0x69, 0xff]));

      const page = await suite.open("#/s/show/log");
      await page.locator("#message-rows .message-row", { hasText: "line one" }).click();
      expect(await page.locator(".detail .text-body").textContent()).toBe("line one\nline two");

      await page.goto(`${suite.url}/#/s/show/blob`);
      await page.locator("#message-rows .message-row", { hasText: "00 01 48 69 ff" }).click();
      const dump = await page.locator(".detail .hex-body").textContent();
      expect(dump).toBe(`00000000  ${"00 01 48 69 ff".padEnd(47)}  ..Hi.`);
      await suite.screenshot(page, "bytes");
      expect(pageErrors(page)).toEqual([]);
    });

    it("pauses and resumes the tail without losing messages", async () => {
      const feed = await create("feed/pause");
      await feed.append(JSON.stringify({ n: 1 }));
      const page = await suite.open("#/s/feed/pause");
      await page.locator("#tail-state", { hasText: "Live, up to date" }).waitFor();
      await page.getByRole("button", { name: "Pause" }).click();
      await page.locator("#tail-state", { hasText: "Paused" }).waitFor();
      await feed.append(JSON.stringify({ n: 2 }));
      await page.getByRole("button", { name: "Resume" }).click();
      await page.locator("#message-rows .message-row", { hasText: '{"n":2}' }).waitFor();
      expect(await page.locator("#message-rows .message-row").count()).toBe(2);
    });

    it("starts the tail from now or from a typed offset", async () => {
      const feed = await create("feed/offsets");
      await feed.append(JSON.stringify({ n: 1 }));
      const after1 = await DurableStream.head({ url: `${suite.root}/feed/offsets` });
      await feed.append(JSON.stringify({ n: 2 }));
      const page = await suite.open("#/s/feed/offsets");
      const rows = page.locator("#message-rows .message-row");
      await rows.filter({ hasText: '{"n":2}' }).waitFor();

      await page.getByLabel("now").check();
      await page.getByRole("button", { name: "Start" }).click();
      await page.waitForFunction(
        () =>
          document.querySelectorAll("#message-rows .message-row").length === 0 &&
          document.getElementById("tail-state")?.textContent === "Live, up to date",
      );
      await feed.append(JSON.stringify({ n: 3 }));
      await rows.filter({ hasText: '{"n":3}' }).waitFor();
      expect(await rows.count()).toBe(1);

      await page.getByLabel("offset", { exact: true }).check();
      await page.getByLabel("Start offset").fill(after1.exists ? after1.offset! : "");
      await page.getByRole("button", { name: "Start" }).click();
      await rows.filter({ hasText: '{"n":3}' }).waitFor();
      const shown = await rows.locator(".preview").allTextContents();
      expect(shown).toEqual(['{"n":2}', '{"n":3}']);
      expect(pageErrors(page)).toEqual([]);
    });

    it("appends from the form, refusing JSON that does not parse", async () => {
      await create("chat/form");
      const page = await suite.open("#/s/chat/form");
      await page.locator("#tail-state", { hasText: "Live, up to date" }).waitFor();
      const body = page.getByLabel("Message to append");
      await body.fill("{not json");
      await page.getByRole("button", { name: "Append", exact: true }).click();
      await page.locator("#append-error", { hasText: "Not valid JSON" }).waitFor();
      expect(await body.getAttribute("aria-invalid")).toBe("true");
      expect(await readAll("chat/form")).toEqual([]);

      await body.fill('{"text": "from the form"}');
      await page.getByRole("button", { name: "Append", exact: true }).click();
      await page.locator("#message-rows .message-row", { hasText: "from the form" }).waitFor();
      expect(await readAll("chat/form")).toEqual([{ text: "from the form" }]);
      expect(pageErrors(page)).toEqual([]);
    });

    it("forks at a chosen message into a new path", async () => {
      const source = await create("chat/source");
      // One POST carrying three messages: the fork point lies inside a batch.
      const post = await fetch(`${suite.root}/chat/source`, {
        method: "POST",
        headers: { "content-type": JSON_TYPE },
        body: JSON.stringify([{ n: 1 }, { n: 2 }, { n: 3 }]),
      });
      expect(post.status).toBeLessThan(300);
      await source.append(JSON.stringify({ n: 4 }));
      const page = await suite.open("#/s/chat/source");
      await page.locator("#message-rows .message-row", { hasText: '{"n":4}' }).waitFor();
      await page.locator("#message-rows .message-row", { hasText: '{"n":2}' }).click();
      await page.getByRole("button", { name: "Fork here…" }).click();
      await page.getByLabel("New stream path").fill("chat/source-at-2");
      await suite.screenshot(page, "fork-dialog");
      await page.getByRole("button", { name: "Create fork" }).click();
      await page.locator("#stream-heading", { hasText: "chat/source-at-2" }).waitFor();
      await page.locator(".stream-head .badge.fork", { hasText: "fork of chat/source" }).waitFor();
      expect(await readAll("chat/source-at-2")).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await readAll("chat/source")).toHaveLength(4);
      expect(pageErrors(page)).toEqual([]);
    });

    it("forks from every message of a stream written by several appends", async () => {
      // Four appends (two of them batches): a catch-up read delivers all seven
      // messages in one batch, while a sub-offset may not cross an append.
      const source = await create("chat/multi");
      for (const body of [
        [{ n: 1 }, { n: 2 }],
        [{ n: 3 }],
        [{ n: 4 }, { n: 5 }, { n: 6 }],
        [{ n: 7 }],
      ]) {
        const post = await fetch(`${suite.root}/chat/multi`, {
          method: "POST",
          headers: { "content-type": JSON_TYPE },
          body: JSON.stringify(body),
        });
        expect(post.status).toBeLessThan(300);
      }
      expect(source.url).toContain("chat/multi");
      const page = await suite.open("#/s/chat/multi");
      for (let n = 1; n <= 7; n++) {
        await page.goto(`${suite.url}/#/s/chat/multi`);
        await page.locator("#message-rows .message-row", { hasText: '{"n":7}' }).waitFor();
        await page.locator("#message-rows .message-row", { hasText: `{"n":${n}}` }).click();
        await page.getByRole("button", { name: "Fork here…" }).click();
        await page.getByLabel("New stream path").fill(`chat/multi-at-${n}`);
        await page.getByRole("button", { name: "Create fork" }).click();
        await page.locator("#stream-heading", { hasText: `chat/multi-at-${n}` }).waitFor();
        expect(await readAll(`chat/multi-at-${n}`)).toEqual(
          Array.from({ length: n }, (_, i) => ({ n: i + 1 })),
        );
      }
      expect(pageErrors(page)).toEqual([]);
    }, 120_000);

    it("creates a stream from the console", async () => {
      const page = await suite.open("#/");
      await page.getByLabel("Path", { exact: true }).fill("made/in-console");
      await page.getByLabel("Content type").selectOption("text/plain");
      await page.getByRole("button", { name: "Create stream" }).click();
      await page.locator("#stream-heading", { hasText: "made/in-console" }).waitFor();
      const head = await DurableStream.head({ url: `${suite.root}/made/in-console` });
      expect(head.exists && head.contentType).toBe("text/plain");
      expect(await page.locator("pre.command", { hasText: "curl" }).count()).toBe(0);
      expect(pageErrors(page)).toEqual([]);
    });

    it("a fork of a deleted source: no link to it, and the source's page says it was deleted", async () => {
      const source = await create("gone/source");
      await source.append(JSON.stringify({ kept: true }));
      const fork = await fetch(`${suite.root}/gone/fork`, {
        method: "PUT",
        headers: { "content-type": JSON_TYPE, "Stream-Forked-From": "/v1/stream/gone/source" },
      });
      expect(fork.status).toBe(201);
      await source.delete();
      const page = await suite.open("#/s/gone/fork");
      await page.locator("dd", { hasText: "gone/source (deleted)" }).waitFor();
      expect(await page.locator('dd a[href*="gone/source"]').count()).toBe(0);
      await page.goto(`${suite.url}/#/s/gone/source`);
      const alert = page.locator(".stream-page .error[role=alert]");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/was deleted \(410\)/);
      expect(await alert.textContent()).not.toMatch(/HTTP Error/);
    });

    it("sizes are in binary units, as the CLI prints them", async () => {
      const big = await create("units/big", "application/octet-stream");
      await big.append(new Uint8Array(3 * 1024 * 1024 + 512 * 1024));
      const page = await suite.open("#/s/units/big");
      const size = page.locator("dt", { hasText: "Size" }).locator("xpath=following-sibling::dd");
      await page.locator("dd", { hasText: "MiB" }).first().waitFor();
      expect(await size.textContent()).toBe("3.5 MiB");
    });

    it("deletes a stream after confirmation", async () => {
      await create("tmp/doomed");
      const page = await suite.open("#/s/tmp/doomed");
      await page.locator("#stream-heading", { hasText: "tmp/doomed" }).waitFor();
      await page.getByRole("button", { name: "Delete…" }).click();
      // Cancelling keeps it.
      await page.getByRole("button", { name: "Cancel" }).click();
      expect((await DurableStream.head({ url: `${suite.root}/tmp/doomed` })).exists).toBe(true);
      await page.getByRole("button", { name: "Delete…" }).click();
      await page.getByRole("button", { name: "Delete stream" }).click();
      await page.waitForFunction(() => location.hash === "#/");
      expect((await DurableStream.head({ url: `${suite.root}/tmp/doomed` })).exists).toBe(false);
      await page.getByLabel("Path prefix").fill("tmp/");
      await page.getByText("No stream path starts with “tmp/”.").waitFor();
      expect(pageErrors(page)).toEqual([]);
    });

    it("closes a stream after confirmation", async () => {
      await create("tmp/closing");
      const page = await suite.open("#/s/tmp/closing");
      await page.getByRole("button", { name: "Close…" }).click();
      await page.getByRole("button", { name: "Close stream" }).click();
      await page.locator("#tail-state", { hasText: "Stream closed" }).waitFor();
      const head = await DurableStream.head({ url: `${suite.root}/tmp/closing` });
      expect(head.exists && head.streamClosed).toBe(true);
      // The form follows once the stream's metadata is read again.
      await page.locator("textarea#append-body:disabled").waitFor();
    });

    it("shows State Protocol entities per collection, updating live", async () => {
      const users = await create("state/users");
      const event = (type: string, key: string, operation: string, value?: unknown) =>
        JSON.stringify({
          type,
          key,
          headers: { operation },
          ...(value === undefined ? {} : { value }),
        });
      await users.append(event("user", "u1", "insert", { name: "Ada", role: "admin" }));
      await users.append(event("user", "u2", "insert", { name: "Bob", role: "dev" }));
      await users.append(event("team", "t1", "upsert", { name: "core", size: 2 }));
      await users.append(event("user", "u2", "update", { name: "Bob", role: "lead" }));
      await users.append(JSON.stringify({ note: "not a state event" }));
      const page = await suite.open("#/s/state/users?view=state");
      const userRows = page.locator('table[data-collection="user"] tbody tr');
      await page.locator("#state-summary", { hasText: "4 events applied" }).waitFor();
      await page.locator("#state-summary", { hasText: "1 other messages skipped" }).waitFor();
      expect(await userRows.count()).toBe(2);
      expect(await userRows.nth(1).textContent()).toContain("lead");
      expect(await page.locator('table[data-collection="team"] tbody tr').count()).toBe(1);

      await users.append(event("user", "u3", "insert", { name: "Cy", role: "dev" }));
      await users.append(event("user", "u1", "delete"));
      await page.locator("#state-summary", { hasText: "6 events applied" }).waitFor();
      const keys = await userRows.locator("th").allTextContents();
      expect(keys).toEqual(["u2", "u3"]);
      await suite.screenshot(page, "state");
      expect(pageErrors(page)).toEqual([]);
    });

    it("keeps the DOM and the tail bounded on long lists and long streams", async () => {
      for (let i = 0; i < 250; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => create(`many/${String(i + j).padStart(4, "0")}`)),
        );
      }
      await create("many/big");
      for (let at = 0; at < 30_000; at += 10_000) {
        const items = Array.from({ length: 10_000 }, (_, i) => ({ n: at + i }));
        const post = await fetch(`${suite.root}/many/big`, {
          method: "POST",
          headers: { "content-type": JSON_TYPE },
          body: JSON.stringify(items),
        });
        expect(post.status).toBeLessThan(300);
      }
      const page = await suite.open();
      await page.getByLabel("Path prefix").fill("many/");
      await onlyUnder(page, "many/");
      // Scrolling to the end loads the next page: 251 streams in all (2 pages).
      await page.waitForFunction(
        () => {
          const list = document.getElementById("stream-rows")!;
          list.scrollTop = list.scrollHeight;
          return document.getElementById("stream-count")?.textContent === "251 streams";
        },
        undefined,
        { polling: 100 },
      );
      expect(await page.locator("#stream-rows li").count()).toBeLessThan(60);

      await page.evaluate(() => {
        const list = document.getElementById("stream-rows")!;
        list.scrollTop = list.scrollHeight;
      });
      await page.locator('a[data-path="many/big"]').click();
      await page.locator("#tail-state", { hasText: "Live, up to date" }).waitFor();
      const status = await page.locator(".tail-status").first().textContent();
      expect(status).toContain("30,000 received");
      expect(status).toContain("showing the newest 10,000");
      expect(await page.locator("#message-rows li").count()).toBeLessThan(60);
      await page.locator("#message-rows .message-row", { hasText: '{"n":29999}' }).waitFor();
      expect(pageErrors(page)).toEqual([]);
    }, 60_000);

    it("works from the keyboard alone", async () => {
      const notes = await create("keys/notes");
      await create("keys/other");
      await notes.append(JSON.stringify({ text: "typed" }));
      const page = await suite.open();
      await page.getByLabel("Path prefix").waitFor();
      // As a person would, start once the list has loaded: its first render
      // must not land between the keys typed below.
      await page.locator("#stream-count").waitFor();
      // Tab from the top reaches the search field, then the first stream.
      for (let tabs = 0; tabs < 10; tabs++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate(() => document.activeElement?.id === "prefix")) break;
      }
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("prefix");
      await page.keyboard.type("keys/");
      expect(await page.getByLabel("Path prefix").inputValue()).toBe("keys/");
      await onlyUnder(page, "keys/");
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-path"))).toBe(
        "keys/notes",
      );
      // Arrow keys move between rows.
      await page.keyboard.press("ArrowDown");
      await page.waitForFunction(
        () => document.activeElement?.getAttribute("data-path") === "keys/other",
      );
      await page.keyboard.press("ArrowUp");
      await page.waitForFunction(
        () => document.activeElement?.getAttribute("data-path") === "keys/notes",
      );
      await page.keyboard.press("Enter");
      await page.locator("#stream-heading", { hasText: "keys/notes" }).waitFor();
      // A dialog takes the focus and Escape closes it.
      await page.getByRole("button", { name: "Delete…" }).focus();
      await page.keyboard.press("Enter");
      await page.locator("#confirm-dialog").waitFor();
      expect(await page.evaluate(() => document.activeElement?.closest("dialog")?.id)).toBe(
        "confirm-dialog",
      );
      await page.keyboard.press("Escape");
      await page.locator("#confirm-dialog").waitFor({ state: "detached" });
      expect((await DurableStream.head({ url: `${suite.root}/keys/notes` })).exists).toBe(true);
      // The append form sends with Ctrl+Enter.
      await page.getByLabel("Message to append").focus();
      await page.keyboard.type('{"text":"from the keyboard"}');
      await page.keyboard.press("Control+Enter");
      await page.locator("#message-rows .message-row", { hasText: "from the keyboard" }).waitFor();
      expect(pageErrors(page)).toEqual([]);
    });

    it("is readable on a phone-sized screen", async () => {
      const demo = await create("phone/demo");
      await demo.append(JSON.stringify({ from: "ada", text: "small screens too" }));
      const page = await suite.open("#/s/phone/demo", { width: 390, height: 844 });
      await page.locator("#message-rows .message-row", { hasText: "small screens" }).waitFor();
      // One column: the list is hidden while a stream is open, a link leads back.
      expect(await page.locator(".stream-list").isVisible()).toBe(false);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      await suite.screenshot(page, "phone-stream");
      await page.getByRole("link", { name: "← Streams" }).click();
      await page.getByLabel("Path prefix").fill("phone/");
      await page.locator('a[data-path="phone/demo"]').waitFor();
      await suite.screenshot(page, "phone-list");
    });
  });
}
