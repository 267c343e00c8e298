/**
 * `createProxyChatTransport`: a `useChat` transport whose server side is the
 * durastream proxy alone (docs/proxy.md). The browser runs `streamText` with
 * any AI SDK provider whose `fetch` is a durable fetch (`@durastream/proxy`):
 * the provider's request to the LLM API goes through the proxy, which makes
 * the call and keeps the answer in a durable stream, and the provider parses
 * the answer read back from that stream. No application server is involved.
 *
 * A reload mid-answer resumes it: the turn in flight (its messages and the
 * ids of its upstream calls) is kept in `storage` (default `sessionStorage`),
 * and `reconnectToStream` — called by `useChat({ resume: true })` — runs the
 * same `streamText` again, whose provider calls are answered from the stored
 * streams, from their first byte, without asking the LLM again. The UI gets
 * the whole answer once (`resumeStreamIsReplay`), every token exactly once.
 * Stopping aborts the upstream call; a finished turn is forgotten.
 */

import {
  createDurableFetch,
  type DurableFetchOptions,
  type DurableStorage,
  defaultStorage,
} from "@durastream/proxy";
import {
  type ChatTransport,
  convertToModelMessages,
  type LanguageModel,
  type ModelMessage,
  streamText,
  type UIMessage,
  type UIMessageChunk,
} from "ai";

/** `streamText` options the transport passes through (everything but the model, prompt and signal). */
export type ProxyStreamTextOptions = Omit<
  Parameters<typeof streamText>[0],
  "model" | "messages" | "prompt" | "abortSignal"
>;

/** Options of `createProxyChatTransport`. */
export interface ProxyChatTransportOptions {
  /** The proxy's URL, e.g. `https://streams.example.com/v1/proxy`. */
  readonly proxyUrl: string;
  /**
   * The proxy's service credential (`Authorization: Bearer …` on create
   * requests): a string, or a function returning a fresh one — in a browser,
   * a short-lived token scoped to `create` on `__ds/proxy` that your backend
   * mints. Omit when the server has no auth.
   */
  readonly proxyAuthorization?: DurableFetchOptions["proxyAuthorization"];
  /**
   * The model, built around the `fetch` it must use — any AI SDK provider
   * takes one: `(fetch) => createOpenAI({ apiKey, fetch })("gpt-4o-mini")`.
   * The provider's URL must be in the proxy's allowlist.
   */
  readonly model: (fetch: typeof globalThis.fetch) => LanguageModel;
  /** More `streamText` options (`system`, `temperature`, `tools`, …). */
  readonly streamTextOptions?: ProxyStreamTextOptions;
  /** The message an error chunk carries (default: the error's own message). */
  readonly onError?: (error: unknown) => string;
  /** Where turns in flight are kept. Default: `sessionStorage`, else memory. */
  readonly storage?: DurableStorage;
  /** Prefix of the storage keys. Default `durastream-chat:`. */
  readonly storagePrefix?: string;
  /** The `fetch` the proxy is reached with. Default: the global one. */
  readonly fetch?: typeof globalThis.fetch;
}

/** A turn in flight, as kept in storage. */
interface StoredTurn {
  /** Names the turn's upstream calls: `<turn>/<n>` is its n-th call. */
  readonly turn: string;
  /** The id of the assistant message being written. */
  readonly messageId: string;
  /** The prompt, so a resumed turn makes the same calls in the same order. */
  readonly messages: ModelMessage[];
}

/**
 * A `ChatTransport` for `useChat` that calls the LLM through the durastream
 * proxy: see the module comment. Pass `resume: true` to `useChat` to resume
 * an answer after a reload.
 *
 * @example
 * ```ts
 * const transport = createProxyChatTransport({
 *   proxyUrl: "https://streams.example.com/v1/proxy",
 *   proxyAuthorization: () => fetch("/token").then((r) => r.text()),
 *   model: (fetch) => createOpenAI({ apiKey, fetch })("gpt-4o-mini"),
 * });
 * const chat = useChat({ id: "conversation-1", transport, resume: true });
 * ```
 */
export function createProxyChatTransport<UI_MESSAGE extends UIMessage = UIMessage>(
  options: ProxyChatTransportOptions,
): ChatTransport<UI_MESSAGE> {
  // One storage for the turns and the durable fetch's stream URLs.
  const storage = options.storage ?? defaultStorage();
  const durableFetch = createDurableFetch({
    proxyUrl: options.proxyUrl,
    storage,
    ...(options.proxyAuthorization === undefined
      ? {}
      : { proxyAuthorization: options.proxyAuthorization }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const prefix = options.storagePrefix ?? "durastream-chat:";
  const keyOf = (chatId: string) => `${prefix}${chatId}`;

  /** Runs `turn`: its upstream calls are durable (and resumed) under `<turn>/<n>`. */
  const run = (
    chatId: string,
    stored: StoredTurn,
    abortSignal: AbortSignal | undefined,
  ): ReadableStream<UIMessageChunk> => {
    const calls: string[] = [];
    const turnFetch: typeof globalThis.fetch = (input, init) => {
      const requestId = `${stored.turn}/${calls.length}`;
      calls.push(requestId);
      const url = input instanceof Request ? input.url : String(input);
      return durableFetch(url, { ...init, requestId });
    };
    const finish = () => {
      storage.removeItem(keyOf(chatId));
      for (const requestId of calls) durableFetch.forget(requestId);
    };
    const result = streamText({
      ...options.streamTextOptions,
      model: options.model(turnFetch),
      messages: stored.messages,
      ...(abortSignal === undefined ? {} : { abortSignal }),
    } as Parameters<typeof streamText>[0]);
    return result.toUIMessageStream({
      generateMessageId: () => stored.messageId,
      onError: options.onError ?? errorMessage,
      // Finished, stopped or failed: the turn is over and is not resumed.
      onFinish: finish,
    }) as ReadableStream<UIMessageChunk>;
  };

  return {
    resumeStreamIsReplay: true,
    async sendMessages({ chatId, messages, abortSignal }) {
      const stored: StoredTurn = {
        turn: `${chatId}/${crypto.randomUUID()}`,
        messageId: crypto.randomUUID(),
        messages: await convertToModelMessages(messages),
      };
      storage.setItem(keyOf(chatId), JSON.stringify(stored));
      return run(chatId, stored, abortSignal);
    },
    async reconnectToStream({ chatId, abortSignal }) {
      const raw = storage.getItem(keyOf(chatId));
      if (raw === null) return null;
      let stored: StoredTurn;
      try {
        stored = JSON.parse(raw) as StoredTurn;
      } catch {
        storage.removeItem(keyOf(chatId));
        return null;
      }
      return run(chatId, stored, abortSignal);
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
