// The chat's model: a real provider when its key is set (OPENAI_API_KEY, through
// @tanstack/ai-openai), otherwise a mock that streams a canned answer word by
// word — no network, no key.

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

/**
 * The adapter to use: OpenAI's Chat Completions API when OPENAI_API_KEY is set
 * (OPENAI_BASE_URL points it at any OpenAI-compatible provider instead),
 * otherwise the mock.
 */
export async function chooseAdapter(env = process.env) {
  if (env.OPENAI_API_KEY) {
    const { createOpenaiChatCompletions } = await import("@tanstack/ai-openai");
    const adapter = createOpenaiChatCompletions(
      env.OPENAI_MODEL ?? "gpt-4o-mini",
      env.OPENAI_API_KEY,
      {
        // Absent: the OpenAI client's own default (OPENAI_BASE_URL of this process, or OpenAI).
        ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
      },
    );
    return { adapter, name: "openai" };
  }
  return { adapter: mockAdapter({ tokenMs: Number(env.AI_CHAT_TOKEN_MS ?? 80) }), name: "mock" };
}
