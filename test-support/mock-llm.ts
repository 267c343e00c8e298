/**
 * A local stand-in for an OpenAI-compatible chat completions API
 * (`POST /v1/chat/completions`, `stream: true` answered as SSE), on a random
 * port: each answer follows the script given for it, token by token, and can
 * be held mid-answer by a test (a reload while the LLM is still writing).
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the next answer does. */
export interface LlmScript {
  /** The answer's tokens, sent one per SSE event. */
  readonly tokens: readonly string[];
  /** Pause between tokens, ms. Default 2. */
  readonly delayMs?: number;
  /** Hold the answer after this many tokens until `release()`. */
  readonly holdAfter?: number;
  /** Answer with this error status and a JSON error body instead. */
  readonly status?: number;
  /** Answer with a call of this tool (after the tokens) instead of stopping. */
  readonly toolCall?: { readonly name: string; readonly args: Record<string, unknown> };
}

/** One request the mock received. */
export interface LlmRequest {
  readonly authorization: string | undefined;
  readonly body: { messages?: { role: string; content: unknown }[]; stream?: boolean };
}

/** The running mock. */
export interface MockLlm {
  /** Base URL for a provider, e.g. `http://127.0.0.1:1234/v1`. */
  readonly baseURL: string;
  readonly requests: LlmRequest[];
  /** Scripts the next answer (default: three tokens). */
  script(script: LlmScript): void;
  /** Lets a held answer go on. */
  release(): void;
  /** Resolves once an answer is held. */
  held(): Promise<void>;
  /** Resolves once the connection of the last answer was closed by the client (an abort). */
  cut(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chunk(delta: Record<string, unknown>, finish: string | null, usage?: unknown): string {
  const body = {
    id: "chatcmpl-mock",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "mock-model",
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(usage === undefined ? {} : { usage }),
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** Starts the mock on 127.0.0.1. */
export async function startMockLlm(): Promise<MockLlm> {
  const requests: LlmRequest[] = [];
  const scripts: LlmScript[] = [];
  let release: (() => void) | null = null;
  let heldWaiters: (() => void)[] = [];
  let cutWaiters: (() => void)[] = [];
  const open = new Set<ServerResponse>();

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}") as LlmRequest["body"];
    requests.push({ authorization: req.headers.authorization, body });
    const script = scripts.shift() ?? { tokens: ["Hello", " there", "!"] };
    if (script.status !== undefined) {
      res.writeHead(script.status, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { message: "the model is overloaded", type: "server_error" } }),
      );
      return;
    }
    let cut = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        cut = true;
        for (const waiter of cutWaiters.splice(0)) waiter();
      }
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(chunk({ role: "assistant", content: "" }, null));
    for (let i = 0; i < script.tokens.length && !cut; i++) {
      if (i === script.holdAfter) {
        await new Promise<void>((resolve) => {
          release = resolve;
          for (const waiter of heldWaiters.splice(0)) waiter();
        });
      }
      res.write(chunk({ content: script.tokens[i] }, null));
      await sleep(script.delayMs ?? 2);
    }
    if (cut) return;
    if (script.toolCall !== undefined) {
      const call = { index: 0, id: "call_1", type: "function" };
      const name = script.toolCall.name;
      res.write(chunk({ tool_calls: [{ ...call, function: { name, arguments: "" } }] }, null));
      const args = JSON.stringify(script.toolCall.args);
      res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args } }] }, null));
      res.write(chunk({}, "tool_calls"));
      res.end("data: [DONE]\n\n");
      return;
    }
    const usage = {
      prompt_tokens: 5,
      completion_tokens: script.tokens.length,
      total_tokens: 5 + script.tokens.length,
    };
    res.write(chunk({}, "stop", usage));
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404).end();
      return;
    }
    answer(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (script) => void scripts.push(script),
    release: () => {
      const go = release;
      release = null;
      go?.();
    },
    held: () =>
      release !== null ? Promise.resolve() : new Promise((resolve) => heldWaiters.push(resolve)),
    cut: () => new Promise((resolve) => cutWaiters.push(resolve)),
    close: async () => {
      release?.();
      heldWaiters = [];
      cutWaiters = [];
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
