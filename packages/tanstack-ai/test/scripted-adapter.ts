/**
 * A scripted TanStack AI text adapter: plays AG-UI events token by token (a
 * text answer, a tool call, or a failure), so `chat({ adapter })` runs the
 * real engine with no network and no key.
 */

import type { AnyTextAdapter } from "@tanstack/ai";

export type Script =
  | { kind: "text"; tokens: string[]; delayMs?: number }
  | { kind: "tool"; city: string }
  | { kind: "error"; tokens: string[]; message: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function scriptedAdapter(script: () => Script): AnyTextAdapter {
  let runs = 0;
  return {
    kind: "text",
    name: "scripted",
    model: "scripted-1",
    "~types": undefined as never,
    async *chatStream() {
      const play = script();
      const runId = `run-${++runs}`;
      const messageId = `m-${runId}`;
      const timestamp = Date.now();
      const model = "scripted-1";
      yield { type: "RUN_STARTED", runId, threadId: "t", model, timestamp };
      if (play.kind === "tool") {
        yield {
          type: "TOOL_CALL_START",
          toolCallId: "call-1",
          toolCallName: "weather",
          toolName: "weather",
          model,
          timestamp,
        };
        yield {
          type: "TOOL_CALL_ARGS",
          toolCallId: "call-1",
          delta: JSON.stringify({ city: play.city }),
          model,
          timestamp,
        };
        yield {
          type: "TOOL_CALL_END",
          toolCallId: "call-1",
          input: { city: play.city },
          model,
          timestamp,
        };
        yield {
          type: "RUN_FINISHED",
          runId,
          threadId: "t",
          finishReason: "tool_calls",
          model,
          timestamp,
        };
        return;
      }
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant", model, timestamp };
      for (const delta of play.tokens) {
        if (play.kind === "text" && play.delayMs) await sleep(play.delayMs);
        yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta, model, timestamp: Date.now() };
      }
      if (play.kind === "error") {
        yield {
          type: "RUN_ERROR",
          runId,
          message: play.message,
          error: { message: play.message },
          model,
          timestamp,
        };
        return;
      }
      yield { type: "TEXT_MESSAGE_END", messageId, model, timestamp };
      yield { type: "RUN_FINISHED", runId, threadId: "t", finishReason: "stop", model, timestamp };
    },
    async structuredOutput() {
      throw new Error("the scripted adapter plays chat streams only");
    },
  } as unknown as AnyTextAdapter;
}
