// The chat's model: a real provider when its key is set and its package is
// installed (OPENAI_API_KEY + @tanstack/ai-openai), otherwise a mock that
// streams a canned answer word by word — no network, no key.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TanStack AI text adapter that plays a canned answer, `tokenMs` apart. */
export function mockAdapter({ tokenMs = 80 } = {}) {
  let runs = 0;
  return {
    kind: "text",
    name: "mock",
    model: "mock",
    async *chatStream({ messages }) {
      const run = ++runs;
      const last = messages.at(-1);
      const prompt = typeof last?.content === "string" ? last.content : "your message";
      const words =
        `Answer ${run} to "${prompt}": durable streams keep every token, so a reload, a second tab or a dropped connection shows this answer once, in full.`.split(
          /(?<= )/,
        );
      const runId = `run-${Date.now().toString(36)}-${run}`;
      const messageId = `answer-${runId}`;
      yield { type: "RUN_STARTED", runId, threadId: "chat", model: "mock", timestamp: Date.now() };
      yield {
        type: "TEXT_MESSAGE_START",
        messageId,
        role: "assistant",
        model: "mock",
        timestamp: Date.now(),
      };
      for (const delta of words) {
        await sleep(tokenMs);
        yield {
          type: "TEXT_MESSAGE_CONTENT",
          messageId,
          delta,
          model: "mock",
          timestamp: Date.now(),
        };
      }
      yield { type: "TEXT_MESSAGE_END", messageId, model: "mock", timestamp: Date.now() };
      yield {
        type: "RUN_FINISHED",
        runId,
        threadId: "chat",
        finishReason: "stop",
        model: "mock",
        timestamp: Date.now(),
      };
    },
    async structuredOutput() {
      throw new Error("the mock model only chats");
    },
  };
}

/** The adapter to use: OpenAI when OPENAI_API_KEY is set and @tanstack/ai-openai is installed. */
export async function chooseAdapter(env = process.env) {
  if (env.OPENAI_API_KEY) {
    try {
      const { openaiText } = await import("@tanstack/ai-openai");
      return { adapter: openaiText(env.OPENAI_MODEL ?? "gpt-4o-mini"), name: "openai" };
    } catch {
      console.warn(
        "OPENAI_API_KEY is set but @tanstack/ai-openai is not installed: using the mock model",
      );
    }
  }
  return { adapter: mockAdapter({ tokenMs: Number(env.AI_CHAT_TOKEN_MS ?? 80) }), name: "mock" };
}
