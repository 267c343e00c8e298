/**
 * `createProxyChatTransport` in real Chromium: the AI SDK's `Chat` (what
 * `useChat` wraps) on the proxy transport, the durastream server's proxy in
 * front of an OpenAI-compatible mock LLM, no chat backend. A reload while
 * the LLM is still answering shows the whole answer once — every token
 * exactly once — from the proxy stream, and the LLM is asked once.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type RunningServer, startServer } from "@durastream/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  buildPackages,
  bundlePage,
  type Chromium,
  launchChromium,
} from "../../../test-support/browser.js";
import { type MockLlm, startMockLlm } from "../../../test-support/mock-llm.js";

const TOKENS = Array.from({ length: 24 }, (_, i) => `w${i} `);

let llm: MockLlm;
let streams: RunningServer;
let site: Server;
let siteUrl: string;
let chromium: Chromium;

beforeAll(async () => {
  buildPackages("ai-sdk");
  llm = await startMockLlm();
  streams = await startServer({
    port: 0,
    memory: true,
    console: false,
    proxy: { allowlist: [`${new URL(llm.baseURL).origin}/**`], allowLocalhost: true },
  });
  const script = await bundlePage(new URL("./proxy-page.ts", import.meta.url));
  site = createServer((req, res) => {
    if (req.url?.startsWith("/app.js")) {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html" })
      .end('<!doctype html><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  site?.closeAllConnections();
  site?.close();
  await streams?.close();
  await llm?.close();
});

it("a reload mid-answer shows the whole answer once, from the proxy stream", async () => {
  llm.script({ tokens: TOKENS, holdAfter: 10 });
  const before = llm.requests.length;
  const page = await chromium.browser.newPage();
  try {
    const query = new URLSearchParams({ proxy: `${streams.url}/v1/proxy`, llm: llm.baseURL });
    await page.goto(`${siteUrl}/?${query}`);
    await page.waitForFunction(() => "ask" in window);
    await page.evaluate(() => (window as unknown as { ask(t: string): void }).ask("Count."));
    const answer = () => page.evaluate(() => (window as unknown as { answer(): string }).answer());
    await expect.poll(answer, { timeout: 10_000 }).toBe(TOKENS.slice(0, 10).join(""));
    await llm.held();

    await page.reload();
    await page.waitForFunction(() => "answer" in window);
    llm.release();
    await expect.poll(answer, { timeout: 10_000 }).toBe(TOKENS.join(""));
    expect(await page.evaluate(() => (window as unknown as { starts(): number }).starts())).toBe(1);
    expect(llm.requests.length).toBe(before + 1);
  } finally {
    await page.close();
  }
});
