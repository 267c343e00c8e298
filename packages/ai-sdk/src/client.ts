/**
 * Browser side: an AI SDK `ChatTransport` that POSTs the messages, is told
 * where the generation is written, and reads it from the durable stream.
 * Reading resumes from its last offset after a dropped connection (the
 * client's read session does that), and a reload resumes the generation by
 * replaying its stream from the start, so every token is shown once.
 */

import { stream } from "@durastream/client";
import type { ChatTransport, UIMessage, UIMessageChunk } from "ai";
import type { DurableChatTransportOptions } from "./types.js";

/** `streamUrl` of a JSON body, if it has one. */
function bodyStreamUrl(body: unknown): string | undefined {
  if (body && typeof body === "object" && "streamUrl" in body) {
    const url = (body as { streamUrl?: unknown }).streamUrl;
    if (typeof url === "string" && url.length > 0) return url;
  }
  return undefined;
}

async function jsonBody(response: Response): Promise<unknown> {
  if (!(response.headers.get("content-type") ?? "").includes("application/json")) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** A relative stream URL resolved against the response, the request, then the page. */
function absoluteStreamUrl(streamUrl: string, ...bases: string[]): string {
  if (/^[a-zA-Z][a-zA-Z\d+\-.]*:/.test(streamUrl)) return streamUrl;
  if (typeof window !== "undefined") bases.push(window.location.href);
  for (const base of bases) {
    if (!base) continue;
    try {
      return new URL(streamUrl, base).toString();
    } catch {
      // not a usable base: try the next one
    }
  }
  throw new Error(`Failed to resolve durable stream URL from relative path "${streamUrl}".`);
}

async function failure(response: Response): Promise<Error> {
  const text = await response.text();
  return new Error(
    text.length > 0 ? text : `HTTP error! status: ${response.status} ${response.statusText}`,
  );
}

/** The stream URL a pointer response names: `Location` first, then `{ streamUrl }`. */
async function pointedStreamUrl(response: Response, requestUrl: string): Promise<string> {
  const url = response.headers.get("Location") ?? bodyStreamUrl(await jsonBody(response));
  if (!url) {
    throw new Error(
      "Missing durable stream URL. Expected Location header or JSON body with streamUrl.",
    );
  }
  return absoluteStreamUrl(url, response.url, requestUrl);
}

/** The generation's chunks, live (SSE) until the stream is closed. */
async function readChunks(
  url: string,
  signal: AbortSignal | undefined,
): Promise<ReadableStream<UIMessageChunk>> {
  const response = await stream<UIMessageChunk>({ url, live: "sse", json: true, signal });
  const iterator = response.jsonStream()[Symbol.asyncIterator]();
  return new ReadableStream<UIMessageChunk>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * Creates the transport for `useChat` / `new Chat({ transport })`.
 *
 * @example
 * ```ts
 * const transport = createDurableChatTransport({ api: "/api/chat" });
 * const chat = useChat({ id, transport, resume: true });
 * ```
 */
export function createDurableChatTransport<UIMessageT extends UIMessage = UIMessage>(
  options: DurableChatTransportOptions,
): ChatTransport<UIMessageT> {
  const { api, reconnectApi, headers, fetchClient, stopApi } = options;
  const fetcher = (input: string, init: RequestInit) => (fetchClient ?? fetch)(input, init);

  /** Tells the server to stop the generation when the user stops reading it. */
  const forwardStop = (signal: AbortSignal | undefined, chatId: string) => {
    if (!stopApi || !signal) return;
    signal.addEventListener(
      "abort",
      () => {
        const url = typeof stopApi === "function" ? stopApi(chatId) : stopApi;
        fetcher(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...Object.fromEntries(new Headers(headers)),
          },
          body: JSON.stringify({ id: chatId }),
        }).catch((error: unknown) => console.error("Stopping the generation failed", error));
      },
      { once: true },
    );
  };

  return {
    // A resumed generation is read from its first chunk.
    resumeStreamIsReplay: true,

    async sendMessages({
      trigger,
      chatId,
      messageId,
      messages,
      abortSignal,
      body,
      headers: requestHeaders,
    }) {
      const response = await fetcher(api, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...Object.fromEntries(new Headers(headers)),
          ...Object.fromEntries(new Headers(requestHeaders)),
        },
        body: JSON.stringify({ ...(body ?? {}), id: chatId, messages, trigger, messageId }),
        signal: abortSignal,
      });
      if (!response.ok) throw await failure(response);
      const url = await pointedStreamUrl(response, api);
      forwardStop(abortSignal, chatId);
      return readChunks(url, abortSignal);
    },

    async reconnectToStream({ chatId, headers: requestHeaders }) {
      const endpoint = reconnectApi ?? `${api.replace(/\/$/, "")}/${chatId}/stream`;
      const response = await fetcher(endpoint, {
        method: "GET",
        headers: {
          ...Object.fromEntries(new Headers(headers)),
          ...Object.fromEntries(new Headers(requestHeaders)),
        },
      });
      // 204: no generation in flight.
      if (response.status === 204) return null;
      if (!response.ok) throw await failure(response);
      return readChunks(await pointedStreamUrl(response, endpoint), undefined);
    },
  };
}
