/**
 * Browser side: a TanStack AI connection (`subscribe` + `send`) over a chat
 * session stream. `subscribe` reads the session live (SSE) from where it left
 * off — its offset survives re-subscribing, and the client's read session
 * resumes from the last offset after a dropped connection — so every chunk
 * is delivered once; read from the start, the history arrives first as one
 * `MESSAGES_SNAPSHOT`.
 */

import { type StreamResponse, stream } from "@durastream/client";
import { applyChunksToMessages, messageOffsetsOf } from "./chunks.js";
import type {
  DurableStreamConnection,
  DurableStreamConnectionOptions,
  TanStackChunk,
} from "./types.js";

/** `url` resolved against the page, then `base`; left relative only when neither resolves it. */
function resolveUrl(url: string, base: string): string {
  if (/^[a-zA-Z][a-zA-Z\d+\-.]*:/.test(url)) return url;
  const bases = typeof window !== "undefined" ? [window.location.href, base] : [base];
  for (const candidate of bases) {
    if (!candidate) continue;
    try {
      return new URL(url, candidate).toString();
    } catch {
      // not a usable base: try the next one
    }
  }
  return url;
}

interface Batch {
  items: ReadonlyArray<TanStackChunk>;
  offset: string;
  upToDate: boolean;
}

/** The response's JSON batches as an async iterable, ending when the stream ends. */
async function* batchesOf(
  response: StreamResponse<TanStackChunk>,
  signal?: AbortSignal,
): AsyncIterable<Batch> {
  const queue: Batch[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const unsubscribe = response.subscribeJson<TanStackChunk>((batch) => {
    queue.push({ items: batch.items, offset: batch.offset, upToDate: batch.upToDate });
    wake?.();
  });
  response.closed.then(
    () => {
      done = true;
      wake?.();
    },
    (error: unknown) => {
      failure = error;
      done = true;
      wake?.();
    },
  );
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  try {
    while (!signal?.aborted) {
      const batch = queue.shift();
      if (batch) {
        yield batch;
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    unsubscribe();
  }
  if (failure !== undefined && !signal?.aborted) throw failure;
}

/**
 * The connection for `useChat({ connection })` / `new ChatClient({ connection })`.
 *
 * @example
 * ```ts
 * const connection = durableStreamConnection({
 *   sendUrl: `/api/chat?id=${id}`,
 *   readUrl: `/api/chat-stream?id=${id}`,
 * });
 * ```
 */
export function durableStreamConnection(
  options: DurableStreamConnectionOptions,
): DurableStreamConnection {
  const { sendUrl } = options;
  const state = {
    streamUrl: resolveUrl(options.readUrl ?? sendUrl, sendUrl),
    offset: options.initialOffset,
  };
  return {
    async *subscribe(abortSignal?: AbortSignal): AsyncIterable<TanStackChunk> {
      const response = await stream<TanStackChunk>({
        url: state.streamUrl,
        live: "sse",
        json: true,
        offset: state.offset,
        headers: Object.fromEntries(new Headers(options.headers)),
        signal: abortSignal,
      });
      let snapshotPending = options.emitSnapshotOnSubscribe !== false && state.offset === undefined;
      // biome-ignore lint/suspicious/noExplicitAny: TanStack UI messages
      let history: any[] = [];
      for await (const batch of batchesOf(response, abortSignal)) {
        state.offset = batch.offset;
        if (abortSignal?.aborted) break;
        if (snapshotPending) {
          history = applyChunksToMessages(history, batch.items);
          if (!batch.upToDate) continue;
          snapshotPending = false;
          yield { type: "MESSAGES_SNAPSHOT", messages: history };
          continue;
        }
        for (const chunk of batch.items) {
          if (abortSignal?.aborted) break;
          yield chunk;
        }
      }
    },

    async send(messages: Array<unknown>, data?: unknown, abortSignal?: AbortSignal): Promise<void> {
      const response = await (options.fetchClient ?? fetch)(sendUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...Object.fromEntries(new Headers(options.headers)),
        },
        body: JSON.stringify({ messages, data }),
        signal: abortSignal,
      });
      if (response.ok) return;
      // An error body may be JSON (`{ error }`) or anything else.
      const body: unknown = await response.json().catch(() => undefined);
      if (body && typeof body === "object" && "error" in body) {
        throw new Error(String((body as { error: unknown }).error));
      }
      throw new Error(`HTTP error! status: ${response.status} ${response.statusText}`);
    },
  };
}

/**
 * The messages of a session stream as of now (for server rendering), the
 * offset to subscribe from next (`initialOffset`), and where each message
 * begins in the stream (`messageOffsets`, for forking before it).
 */
export async function materializeSnapshotFromDurableStream(options: {
  readUrl: string;
  headers?: HeadersInit;
  offset?: string;
  fetchClient?: typeof fetch;
}): Promise<{
  // biome-ignore lint/suspicious/noExplicitAny: TanStack UI messages
  messages: Array<any>;
  offset?: string;
  messageOffsets: Record<string, string>;
}> {
  const response = await stream<TanStackChunk>({
    url: options.readUrl,
    json: true,
    live: false,
    offset: options.offset,
    headers: Object.fromEntries(new Headers(options.headers)),
    ...(options.fetchClient ? { fetch: options.fetchClient } : {}),
  });
  const chunks = await response.json<TanStackChunk>();
  return {
    messages: applyChunksToMessages([], chunks),
    offset: response.offset,
    messageOffsets: messageOffsetsOf(chunks),
  };
}
