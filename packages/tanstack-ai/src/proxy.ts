/**
 * `@durastream/tanstack-ai/proxy`: a TanStack AI connection whose durability
 * is the durastream proxy (docs/proxy.md). The chat endpoint stays a plain,
 * stateless TanStack AI endpoint (`toServerSentEventsResponse(chat(…))`, an
 * edge function or any SSE chat API); the browser's request to it goes
 * through the proxy, which makes the call and keeps the answer in a durable
 * stream. Nothing on the server writes to a stream.
 *
 * A reload mid-answer resumes it: with `persistence: true` and a stable
 * `threadId`, the `ChatClient` asks `hydrate(threadId)` on mount; the run in
 * flight (kept in `storage`, default `sessionStorage`, with the messages it
 * was sent) is reported, and `joinRun` replays its answer from the proxy
 * stream's first byte — the endpoint is not called again, and the client
 * rebuilds the answer once. Stopping aborts the upstream call too.
 *
 * A subpath of its own: it loads `@tanstack/ai-client` at runtime, which the
 * package's main entry does not need.
 */

import {
  createDurableFetch,
  type DurableFetchOptions,
  type DurableStorage,
  defaultStorage,
} from "@durastream/proxy";
import {
  type ConnectConnectionAdapter,
  type FetchConnectionOptions,
  fetchServerSentEvents,
  type UIMessage,
} from "@tanstack/ai-client";

/** Options of `durableProxyConnection`. */
export interface DurableProxyConnectionOptions {
  /** The proxy's URL, e.g. `https://streams.example.com/v1/proxy`. */
  readonly proxyUrl: string;
  /**
   * The proxy's service credential (`Authorization: Bearer …` on create
   * requests): a string, or a function returning a fresh one — in a browser,
   * a short-lived token scoped to `create` on `__ds/proxy`. Omit when the
   * server has no auth.
   */
  readonly proxyAuthorization?: DurableFetchOptions["proxyAuthorization"];
  /**
   * Headers for the chat endpoint (an `Authorization` header reaches it as
   * the proxy's `Upstream-Authorization`, and is never stored).
   */
  readonly headers?: Record<string, string>;
  /** Extra body fields for the chat endpoint (`forwardedProps`). */
  readonly body?: Record<string, unknown>;
  /** Where runs in flight are kept. Default: `sessionStorage`, else memory. */
  readonly storage?: DurableStorage;
  /** Prefix of the storage keys. Default `durastream-tanstack:`. */
  readonly storagePrefix?: string;
  /** The `fetch` the proxy is reached with. Default: the global one. */
  readonly fetch?: typeof globalThis.fetch;
}

type ChatHydrationResult = Awaited<ReturnType<NonNullable<ConnectConnectionAdapter["hydrate"]>>>;

/** A run in flight, as kept in storage under its thread. */
interface StoredRun {
  readonly runId: string;
  /** The conversation as sent, shown again by `hydrate` after a reload. */
  readonly messages: unknown[];
}

const RUN_ID_HEADER = "x-run-id";

/**
 * A TanStack AI `ConnectionAdapter` that sends each run to `url` through the
 * durastream proxy and resumes it after a reload (`hydrate` + `joinRun`).
 *
 * @param url - The chat endpoint, absolute (the proxy calls it): it must be
 *   in the proxy's allowlist and answer TanStack AI's SSE.
 * @example
 * ```ts
 * const client = new ChatClient({
 *   threadId: "support-42",
 *   persistence: true, // resume a run in flight after a reload
 *   connection: durableProxyConnection("https://app.example.com/api/chat", {
 *     proxyUrl: "https://streams.example.com/v1/proxy",
 *   }),
 * });
 * ```
 */
export function durableProxyConnection(
  url: string,
  options: DurableProxyConnectionOptions,
): ConnectConnectionAdapter {
  if (!/^https?:\/\//i.test(url)) {
    throw new Error(`durableProxyConnection needs an absolute http(s) URL, got "${url}"`);
  }
  // One storage for the runs and the durable fetch's stream URLs.
  const storage = options.storage ?? defaultStorage();
  const prefix = options.storagePrefix ?? "durastream-tanstack:";
  const durableFetch = createDurableFetch({
    proxyUrl: options.proxyUrl,
    storage,
    ...(options.proxyAuthorization === undefined
      ? {}
      : { proxyAuthorization: options.proxyAuthorization }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const threadKey = (threadId: string) => `${prefix}thread:${threadId}`;
  const runKey = (runId: string) => `${prefix}run:${runId}`;

  /**
   * Sends a run's request through the proxy (resumable under its run id), or
   * — for `joinRun`'s `GET ?offset=-1&runId=` — reads a stored run back from
   * its first byte; a run this tab does not know is answered 404 (the client
   * then forgets it).
   */
  const fetchClient: typeof globalThis.fetch = async (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    if (method === "GET") {
      const runId = new URL(String(input)).searchParams.get("runId");
      if (runId === null || storage.getItem(runKey(runId)) === null) {
        return new Response(null, { status: 404 });
      }
      return durableFetch(url, { method: "POST", requestId: runId, signal: init?.signal ?? null });
    }
    const runId = new Headers(init?.headers).get(RUN_ID_HEADER);
    return durableFetch(String(input), {
      ...init,
      ...(runId === null ? {} : { requestId: runId }),
    });
  };

  const inner = fetchServerSentEvents(url, {
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.body === undefined ? {} : { body: options.body }),
    fetchClient,
  } satisfies FetchConnectionOptions);

  /** The run is over (finished, stopped or failed): it is not resumed again. */
  const forget = (threadId: string | undefined, runId: string) => {
    storage.removeItem(runKey(runId));
    durableFetch.forget(runId);
    if (threadId === undefined) return;
    const raw = storage.getItem(threadKey(threadId));
    if (raw !== null && (JSON.parse(raw) as StoredRun).runId === runId) {
      storage.removeItem(threadKey(threadId));
    }
  };

  return {
    async *connect(messages, data, abortSignal, runContext) {
      const runId = runContext?.runId ?? `run-${crypto.randomUUID()}`;
      const threadId = runContext?.threadId;
      storage.setItem(runKey(runId), threadId ?? "");
      if (threadId !== undefined) {
        const stored: StoredRun = { runId, messages };
        storage.setItem(threadKey(threadId), JSON.stringify(stored));
      }
      try {
        yield* inner.connect(messages, data, abortSignal, {
          threadId: threadId ?? runId,
          ...runContext,
          runId,
        });
      } finally {
        forget(threadId, runId);
      }
    },
    async *joinRun(runId, abortSignal) {
      const threadId = storage.getItem(runKey(runId)) || undefined;
      try {
        yield* inner.joinRun!(runId, abortSignal);
      } finally {
        forget(threadId, runId);
      }
    },
    async hydrate(threadId): Promise<ChatHydrationResult> {
      const raw = storage.getItem(threadKey(threadId));
      const stored = raw === null ? null : (JSON.parse(raw) as StoredRun);
      return {
        messages: (stored?.messages ?? []) as UIMessage[],
        activeRun: stored === null ? null : { runId: stored.runId },
        interrupts: null,
      };
    },
  };
}
