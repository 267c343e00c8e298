/**
 * `createProxyChatTransport`: `useChat`'s transport with the durastream proxy
 * as its only server side. A real server (Node over SQLite, and the Worker on
 * workerd) proxies an OpenAI-compatible mock LLM (SSE); the AI SDK's own
 * OpenAI-compatible provider parses the answer read back from the proxy
 * stream. A "tab" is a fetch and a sessionStorage: unloading it stops its
 * JavaScript for good, as a reload does, while its storage stays.
 */

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { memoryStorage } from "@durastream/proxy";
import { startServer } from "@durastream/server";
import { jsonSchema, stepCountIs, tool, type UIMessage, type UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockLlm, startMockLlm } from "../../../test-support/mock-llm.js";
import { reloadingTab } from "../../../test-support/reloading-tab.js";
import { startLocalWorker } from "../../cloudflare/dev/local-worker.js";
import { keepAliveBelowWorkerd } from "../../cloudflare/test/helpers.js";
import { createProxyChatTransport, type ProxyChatTransportOptions } from "../src/index.js";

keepAliveBelowWorkerd();

const SECRET = "proxy-transport-test-secret";
const LLM_KEY = "sk-llm-key-never-stored-5c1e";
const USER: UIMessage = { id: "u1", role: "user", parts: [{ type: "text", text: "Count." }] };
const TOKENS = Array.from({ length: 30 }, (_, i) => `w${i} `);

interface Target {
  readonly proxyUrl: string;
  close(): Promise<void>;
}

const TARGETS: ReadonlyArray<readonly [string, (llm: MockLlm) => Promise<Target>]> = [
  [
    "Node",
    async (llm) => {
      const server = await startServer({
        port: 0,
        memory: true,
        console: false,
        secret: SECRET,
        proxy: { allowlist: [`${new URL(llm.baseURL).origin}/**`], allowLocalhost: true },
      });
      return { proxyUrl: `${server.url}/v1/proxy`, close: () => server.close() };
    },
  ],
  [
    "Cloudflare",
    async (llm) => {
      const worker = await startLocalWorker({
        port: 0,
        vars: {
          STREAMS_SECRET: SECRET,
          STREAMS_PROXY_ALLOWLIST: `${new URL(llm.baseURL).origin}/**`,
          STREAMS_PROXY_ALLOW_LOCALHOST: "1",
        },
      });
      return { proxyUrl: `${worker.url}/v1/proxy`, close: () => worker.close() };
    },
  ],
];

async function drain(
  chunks: ReadableStream<UIMessageChunk>,
  until?: (all: UIMessageChunk[]) => boolean,
): Promise<UIMessageChunk[]> {
  const all: UIMessageChunk[] = [];
  const reader = chunks.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) return all;
    all.push(next.value);
    if (until?.(all)) {
      reader.releaseLock();
      return all;
    }
  }
}

const deltas = (chunks: readonly UIMessageChunk[]) =>
  chunks.flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : []));

describe.each(TARGETS)("proxy chat transport on %s", (_name, start) => {
  let llm: MockLlm;
  let target: Target;

  beforeAll(async () => {
    llm = await startMockLlm();
    target = await start(llm);
  }, 60_000);
  afterAll(async () => {
    await target?.close();
    await llm?.close();
  });

  function transport(
    fetchImpl: typeof fetch,
    storage = memoryStorage(),
    more: Partial<ProxyChatTransportOptions> = {},
  ) {
    return createProxyChatTransport({
      proxyUrl: target.proxyUrl,
      proxyAuthorization: SECRET,
      storage,
      fetch: fetchImpl,
      model: (fetch) =>
        createOpenAICompatible({ name: "mock", baseURL: llm.baseURL, apiKey: LLM_KEY, fetch })(
          "mock-model",
        ),
      ...more,
    });
  }

  const send = (t: ReturnType<typeof transport>, chatId: string, abortSignal?: AbortSignal) =>
    t.sendMessages({
      trigger: "submit-message",
      chatId,
      messageId: undefined,
      messages: [USER],
      abortSignal,
    });

  it("streams the LLM's answer token by token; the key reaches the LLM only", async () => {
    llm.script({ tokens: TOKENS });
    const before = llm.requests.length;
    const chunks = await drain(await send(transport(fetch), "plain"));
    expect(deltas(chunks)).toEqual(TOKENS);
    expect(chunks.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
    const request = llm.requests[before]!;
    expect(request.authorization).toBe(`Bearer ${LLM_KEY}`);
    expect(request.body.stream).toBe(true);
    expect(request.body.messages).toEqual([{ role: "user", content: "Count." }]);
  });

  it("a reload mid-answer resumes it: every token exactly once, the LLM asked once", async () => {
    llm.script({ tokens: TOKENS, holdAfter: 12 });
    const before = llm.requests.length;
    const session = memoryStorage();
    const first = reloadingTab();
    const shown = await drain(
      await send(transport(first.fetch, session), "reloaded"),
      (all) => deltas(all).length === 12,
    );
    expect(deltas(shown)).toEqual(TOKENS.slice(0, 12));
    await llm.held();
    first.unload();

    const second = reloadingTab();
    const replay = await transport(second.fetch, session).reconnectToStream({ chatId: "reloaded" });
    expect(replay).not.toBeNull();
    llm.release();
    const chunks = await drain(replay!);
    expect(deltas(chunks)).toEqual(TOKENS);
    expect(chunks.filter((chunk) => chunk.type === "start")).toHaveLength(1);
    expect(llm.requests.length).toBe(before + 1);
    // A finished turn is not resumed again.
    expect(
      await transport(second.fetch, session).reconnectToStream({ chatId: "reloaded" }),
    ).toBeNull();
  });

  it("a reload in a tool loop's second step resumes both calls from their streams, in order", async () => {
    llm.script({ tokens: [], toolCall: { name: "weather", args: { city: "Paris" } } });
    llm.script({ tokens: TOKENS, holdAfter: 6 });
    const before = llm.requests.length;
    let executions = 0;
    const tools = {
      weather: tool({
        inputSchema: jsonSchema<{ city: string }>({
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
        }),
        execute: async ({ city }) => {
          executions++;
          return { city, celsius: 21 };
        },
      }),
    };
    const options = { streamTextOptions: { tools, stopWhen: stepCountIs(3) } };
    const session = memoryStorage();
    const first = reloadingTab();
    const shown = await drain(
      await send(transport(first.fetch, session, options), "tools"),
      (all) => deltas(all).length === 6,
    );
    expect(shown.some((chunk) => chunk.type === "tool-output-available")).toBe(true);
    await llm.held();
    first.unload();

    const second = reloadingTab();
    const replay = await transport(second.fetch, session, options).reconnectToStream({
      chatId: "tools",
    });
    llm.release();
    const chunks = await drain(replay!);
    expect(chunks.filter((chunk) => chunk.type === "tool-input-available")).toMatchObject([
      { toolName: "weather", input: { city: "Paris" } },
    ]);
    expect(chunks.filter((chunk) => chunk.type === "tool-output-available")).toMatchObject([
      { output: { city: "Paris", celsius: 21 } },
    ]);
    expect(deltas(chunks)).toEqual(TOKENS);
    // Two LLM calls in all: the replay read both from the proxy. The tool ran
    // again on replay (its result is the browser's, not in the LLM's stream).
    expect(llm.requests.length).toBe(before + 2);
    expect(executions).toBe(2);
  });

  it("stop cuts the LLM's answer upstream; the stopped turn is not resumed", async () => {
    llm.script({ tokens: TOKENS, holdAfter: 5 });
    const session = memoryStorage();
    const t = transport(fetch, session);
    const stop = new AbortController();
    const chunks = await send(t, "stopped", stop.signal);
    const reader = chunks.getReader();
    let seen = 0;
    while (seen < 5) {
      const next = await reader.read();
      if (next.value?.type === "text-delta") seen++;
    }
    await llm.held();
    const cut = llm.cut();
    stop.abort();
    await cut;
    const rest: UIMessageChunk[] = [];
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest.push(next.value);
    }
    expect(deltas(rest)).toEqual([]);
    expect(await t.reconnectToStream({ chatId: "stopped" })).toBeNull();
  });

  it("an LLM error reaches the chat as an error chunk with the LLM's message", async () => {
    llm.script({ tokens: [], status: 503 });
    const t = transport(fetch, memoryStorage(), {
      streamTextOptions: { maxRetries: 0, onError: () => {} },
    });
    const chunks = await drain(await send(t, "failed"));
    const error = chunks.find((chunk) => chunk.type === "error");
    expect(error).toMatchObject({ type: "error" });
    expect((error as { errorText: string }).errorText).toContain("overloaded");
    expect(await t.reconnectToStream({ chatId: "failed" })).toBeNull();
  });
});
