/**
 * Chromium: a page streams an LLM-like answer through `createDurableFetch`,
 * is reloaded mid-answer, and shows the whole answer exactly once — resumed
 * from `sessionStorage`, without a second upstream call.
 */

import { type RunningServer, startServer } from "@durastream/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { browserSuite } from "../../../test-support/browser.js";
import { type MockUpstream, startMockUpstream } from "../../server/test/proxy/mock-upstream.js";

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<script type="importmap">
{ "imports": { "@durastream/proxy": "/proxy/index.js" } }
</script></head>
<body><pre id="answer"></pre><p id="status">starting</p><p id="resumed"></p>
<script type="module">
import { createDurableFetch } from "@durastream/proxy";
const params = new URLSearchParams(location.search);
const answer = document.getElementById("answer");
const status = document.getElementById("status");
try {
  const durableFetch = createDurableFetch({ proxyUrl: params.get("proxy") });
  const res = await durableFetch(params.get("upstream"), {
    method: "POST",
    headers: { authorization: "Bearer sk-browser", "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
    requestId: "chat-answer-1",
  });
  document.getElementById("resumed").textContent = String(res.resumed);
  status.textContent = "streaming";
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    answer.textContent += value;
  }
  status.textContent = "done";
} catch (err) {
  status.textContent = "error: " + err;
}
</script></body></html>`;

let upstream: MockUpstream;
let server: RunningServer;

beforeAll(async () => {
  upstream = await startMockUpstream();
  server = await startServer({
    port: 0,
    memory: true,
    console: false,
    proxy: { allowlist: [`${upstream.url}/**`], allowLocalhost: true },
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe("createDurableFetch in Chromium", () => {
  const suite = browserSuite("proxy", PAGE, { "/proxy/": "packages/proxy/dist/" });

  test("a reload mid-answer shows the whole answer once", async () => {
    const response = upstream.controlled("chat");
    const page = await suite.chromium.browser.newPage();
    try {
      const query = new URLSearchParams({
        proxy: `${server.url}/v1/proxy`,
        upstream: `${upstream.url}/controlled/chat`,
      });
      await page.goto(`${suite.site.url}/?${query}`);
      response.write("The answer ");
      response.write("is ");
      await page.waitForFunction(
        () => document.getElementById("answer")!.textContent === "The answer is ",
      );
      expect(await page.textContent("#resumed")).toBe("false");
      await page.reload();
      await page.waitForFunction(
        () => document.getElementById("status")!.textContent === "streaming",
      );
      expect(await page.textContent("#resumed")).toBe("true");
      response.write("forty-two.");
      response.end();
      await page.waitForFunction(() => document.getElementById("status")!.textContent === "done");
      expect(await page.textContent("#answer")).toBe("The answer is forty-two.");
      expect(upstream.requests.filter((r) => r.path === "/controlled/chat")).toHaveLength(1);
    } finally {
      await page.close();
    }
  }, 60_000);
});
