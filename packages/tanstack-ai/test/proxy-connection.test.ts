/**
 * `durableProxyConnection` (`@durastream/tanstack-ai/proxy`): the real
 * TanStack AI `ChatClient`, a plain stateless chat endpoint
 * (`toServerSentEventsResponse(chat(…))` over the scripted adapter), and the
 * durastream proxy between them as the only durable part. A "tab" is a fetch
 * and a sessionStorage: unloading it stops its code for good, as a reload
 * does, while its storage stays.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { memoryStorage } from "@durastream/proxy";
import { type RunningServer, startServer } from "@durastream/server";
import { chat, toServerSentEventsResponse } from "@tanstack/ai";
import { ChatClient } from "@tanstack/ai-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reloadingTab } from "../../../test-support/reloading-tab.js";
import { durableProxyConnection } from "../src/proxy.js";
import { type Script, scriptedAdapter } from "./scripted-adapter.js";

const SECRET = "tanstack-proxy-test-secret";
const TOKENS = Array.from({ length: 30 }, (_, i) => `t${i} `);

let streams: RunningServer;
let endpoint: Server;
let chatUrl: string;
let calls = 0;
/** Answers the endpoint's client hung up on before they ended. */
let cutAnswers = 0;
let script: Script = { kind: "text", tokens: TOKENS, delayMs: 15 };

beforeAll(async () => {
  // The chat endpoint: stateless, writes to no stream, answers TanStack AI's SSE.
  const adapter = scriptedAdapter(() => script);
  endpoint = createServer(async (req, res) => {
    calls++;
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const { messages } = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
      messages: Array<{ role: "user"; content: string }>;
    };
    res.on("close", () => {
      if (!res.writableFinished) cutAnswers++;
    });
    const response = toServerSentEventsResponse(chat({ adapter, messages }));
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    Readable.fromWeb(response.body as never).pipe(res);
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  chatUrl = `${origin}/api/chat`;
  streams = await startServer({
    port: 0,
    memory: true,
    console: false,
    secret: SECRET,
    proxy: { allowlist: [`${origin}/**`], allowLocalhost: true },
  });
});

afterAll(async () => {
  await streams?.close();
  endpoint?.closeAllConnections();
  await new Promise((resolve) => endpoint?.close(resolve));
});

const view = (client: ChatClient) =>
  client
    .getMessages()
    .map((m) => [m.role, m.parts.map((p) => (p as { content?: string }).content ?? "").join("")]);

function client(
  threadId: string,
  session: ReturnType<typeof memoryStorage>,
  fetchImpl: typeof fetch,
) {
  const chatClient = new ChatClient({
    threadId,
    persistence: true,
    connection: durableProxyConnection(chatUrl, {
      proxyUrl: `${streams.url}/v1/proxy`,
      proxyAuthorization: SECRET,
      storage: session,
      fetch: fetchImpl,
    }),
  });
  // As a UI wrapper does on mount: tail the thread (and hydrate it).
  chatClient.attach();
  chatClient.subscribe();
  return chatClient;
}

describe("TanStack AI over the durable proxy", () => {
  it("streams the endpoint's answer through the proxy to the ChatClient", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 1 };
    const before = calls;
    const chatClient = client("plain", memoryStorage(), fetch);
    try {
      await chatClient.sendMessage("Count.");
      expect(view(chatClient)).toEqual([
        ["user", "Count."],
        ["assistant", TOKENS.join("")],
      ]);
      expect(calls).toBe(before + 1);
    } finally {
      chatClient.unsubscribe();
    }
  });

  it("a reload mid-answer shows the question and the whole answer once; the endpoint is called once", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 15 };
    const before = calls;
    const session = memoryStorage();
    const first = reloadingTab();
    const firstClient = client("reloaded", session, first.fetch);
    void firstClient.sendMessage("Count.");
    await expect
      .poll(() => view(firstClient).at(-1)?.[1] ?? "", { timeout: 10_000 })
      .toMatch(/t5 /);
    expect(view(firstClient).at(-1)?.[1]).not.toBe(TOKENS.join(""));
    first.unload();

    const second = reloadingTab();
    const secondClient = client("reloaded", session, second.fetch);
    try {
      await expect
        .poll(() => view(secondClient), { timeout: 10_000 })
        .toEqual([
          ["user", "Count."],
          ["assistant", TOKENS.join("")],
        ]);
      expect(calls).toBe(before + 1);
      // Finished: a later load has nothing to resume.
      await expect.poll(() => session.getItem("durastream-tanstack:thread:reloaded")).toBeNull();
    } finally {
      secondClient.unsubscribe();
    }
  });

  it("stop ends the run and cuts the endpoint's answer; nothing is left to resume", async () => {
    script = { kind: "text", tokens: TOKENS, delayMs: 20 };
    const cutBefore = cutAnswers;
    const session = memoryStorage();
    const chatClient = client("stopped", session, fetch);
    try {
      void chatClient.sendMessage("Count.");
      await expect
        .poll(() => view(chatClient).at(-1)?.[1] ?? "", { timeout: 10_000 })
        .toMatch(/t3 /);
      chatClient.stop();
      await expect.poll(() => cutAnswers, { timeout: 10_000 }).toBe(cutBefore + 1);
      expect(view(chatClient).at(-1)?.[1]).not.toBe(TOKENS.join(""));
      expect(session.getItem("durastream-tanstack:thread:stopped")).toBeNull();
    } finally {
      chatClient.unsubscribe();
    }
  });
});
