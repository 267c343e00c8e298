/**
 * The backend a chat UI talks to, as a user would write it: POST /api/chat
 * runs `streamText` on a mock language model and answers through a
 * `toDurableStreamResponse` (ours or the official one), GET
 * /api/chat/:id/stream points at the generation in flight, POST
 * /api/chat/:id/stop stops it.
 */

import {
  convertToModelMessages,
  simulateReadableStream,
  streamText,
  tool,
  type UIMessage,
} from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { toDurableStreamResponse as ours, recordDurableConversationTurn } from "../src/index.js";

type Respond = typeof ours;

/** What the mock model does for one prompt. */
export type Script =
  | { kind: "text"; tokens: string[]; delayMs?: number }
  | { kind: "tool"; city: string }
  | { kind: "error"; tokens: string[]; message: string };

const USAGE = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** A mock model that plays `script`, one stream part per token. */
export function scriptedModel(script: Script): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doStream: async () => {
      if (script.kind === "tool") {
        return {
          stream: simulateReadableStream({
            chunks: [
              { type: "stream-start", warnings: [] },
              {
                type: "tool-call",
                toolCallId: "call-1",
                toolName: "weather",
                input: JSON.stringify({ city: script.city }),
              },
              {
                type: "finish",
                finishReason: { unified: "tool-calls", raw: undefined },
                usage: USAGE,
              },
            ],
          }),
        };
      }
      const text = script.tokens.flatMap((delta) => [
        { type: "text-delta" as const, id: "t", delta },
      ]);
      const ending =
        script.kind === "error"
          ? [{ type: "error" as const, error: new Error(script.message) }]
          : [
              { type: "text-end" as const, id: "t" },
              {
                type: "finish" as const,
                finishReason: { unified: "stop" as const, raw: undefined },
                usage: USAGE,
              },
            ];
      return {
        stream: simulateReadableStream({
          chunks: [
            { type: "stream-start", warnings: [] },
            { type: "text-start", id: "t" },
            ...text,
            ...ending,
          ],
          chunkDelayInMs: script.kind === "text" ? (script.delayMs ?? 0) : 0,
        }),
      };
    },
  });
}

export interface ChatAppOptions {
  /** Streams root, e.g. `http://127.0.0.1:1234/v1/stream`. */
  streamsBase: string;
  /** Streams root handed to readers (default `streamsBase`). */
  readBase?: string;
  /** The script of the next generation. */
  script: () => Script;
  respond?: Respond;
  mode?: "immediate" | "await";
  /** Record every turn in a conversation stream per chat (`recordDurableConversationTurn`). */
  conversations?: boolean;
}

/** The app's handler, and the streams it wrote (by chat id, latest last). */
export function chatApp(options: ChatAppOptions) {
  const respond = options.respond ?? ours;
  const active = new Map<string, string>();
  const stops = new Map<string, AbortController>();
  const streams: string[] = [];
  /** The current branch of each chat's conversation stream. */
  const branches = new Map<string, string>();
  let generation = 0;

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const resume = /^\/api\/chat\/([^/]+)\/stream$/.exec(url.pathname);
    if (resume && request.method === "GET") {
      const streamUrl = active.get(resume[1]!);
      if (!streamUrl) return new Response(null, { status: 204 });
      return Response.json({ streamUrl }, { headers: { Location: streamUrl } });
    }
    const stop = /^\/api\/chat\/([^/]+)\/stop$/.exec(url.pathname);
    if (stop && request.method === "POST") {
      stops.get(stop[1]!)?.abort();
      return new Response(null, { status: 204 });
    }
    if (url.pathname !== "/api/chat" || request.method !== "POST") {
      return new Response("not found", { status: 404 });
    }
    const { id, messages } = (await request.json()) as { id: string; messages: UIMessage[] };
    const controller = new AbortController();
    stops.set(id, controller);
    const result = streamText({
      model: scriptedModel(options.script()),
      messages: await convertToModelMessages(messages),
      tools: {
        weather: tool({
          description: "The weather in a city",
          inputSchema: z.object({ city: z.string() }),
          execute: async ({ city }) => ({ city, celsius: 21 }),
        }),
      },
      abortSignal: controller.signal,
    });
    const name = `chat-${id}-${++generation}-${crypto.randomUUID().slice(0, 8)}`;
    const streamUrl = `${options.streamsBase}/${name}`;
    const readUrl = `${options.readBase ?? options.streamsBase}/${name}`;
    streams.push(streamUrl);
    active.set(id, readUrl);
    if (options.conversations) {
      const turn = await recordDurableConversationTurn({
        conversation: {
          writeUrl: branches.get(id) ?? `${options.streamsBase}/conversation-${id}`,
        },
        messages,
        generationUrl: readUrl,
      });
      branches.set(id, turn.writeUrl);
    }
    const source = result.toUIMessageStream({
      originalMessages: messages,
      onFinish: () => {
        active.delete(id);
      },
    });
    return respond({
      source,
      stream: { writeUrl: streamUrl, readUrl },
      mode: options.mode,
      ...(respond === ours ? { signal: controller.signal } : {}),
    });
  }

  return { handle, streams, active, branches };
}
