/**
 * `createDurableFetch`: a `fetch` for upstream calls (an LLM API) that goes
 * through the durastream proxy. The proxy makes the call and keeps the
 * response in a durable stream; this reads it back. With a `requestId`, the
 * stream's pre-signed URL is kept in storage, so after a reload the same
 * call returns the same response — from its first byte, without calling the
 * upstream again. Aborting the request's `signal` stops the upstream too.
 */

import {
  type DurableStorage,
  defaultStorage,
  loadStream,
  type StoredStream,
} from "./credential-store.js";
import { readProxyStream } from "./stream-reader.js";

/** Options of `createDurableFetch`. */
export interface DurableFetchOptions {
  /** The proxy's URL, e.g. `https://streams.example.com/v1/proxy`. */
  readonly proxyUrl: string;
  /**
   * The proxy's service credential, sent as `Authorization: Bearer …` on the
   * create request only: a string, or a function returning a fresh one (a
   * short-lived scoped token your backend mints). Omit when the server has no auth.
   */
  readonly proxyAuthorization?: string | (() => string | Promise<string>);
  /** Where resumable requests are remembered. Default: `sessionStorage`, else memory. */
  readonly storage?: DurableStorage;
  /** Prefix of the storage keys. Default `durastream-proxy:`. */
  readonly storagePrefix?: string;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
}

/** `RequestInit` for the upstream, plus the id that makes the request resumable. */
export interface DurableRequestInit extends RequestInit {
  /**
   * Names this request for resumption: a later call with the same id (after
   * a reload) reads the stored response instead of calling the upstream.
   * Without it every call is a new upstream request.
   */
  readonly requestId?: string;
}

/** A `Response` with what the proxy adds. */
export interface DurableResponse extends Response {
  /** The pre-signed URL of the stream holding the response (null for errors). */
  readonly streamUrl: string | null;
  /** Whether this response was resumed from storage rather than requested upstream. */
  readonly resumed: boolean;
  /** How the upstream response ended, once it has (`complete`, `aborted`, `interrupted`, ...). */
  readonly outcome: Promise<string>;
}

/** A `fetch`-shaped function whose responses survive reloads and network drops. */
export type DurableFetch = ((
  input: string | URL,
  init?: DurableRequestInit,
) => Promise<DurableResponse>) & {
  /** Forgets the stored stream of `requestId` (the next call asks the upstream again). */
  forget(requestId: string): void;
};

/** Creates a durable `fetch` that goes through the proxy at `options.proxyUrl`. */
export function createDurableFetch(options: DurableFetchOptions): DurableFetch {
  const proxyUrl = options.proxyUrl.replace(/\/+$/, "");
  const storage = options.storage ?? defaultStorage();
  const prefix = options.storagePrefix ?? "durastream-proxy:";
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const keyOf = (requestId: string) => `${prefix}${proxyUrl}:${requestId}`;

  const durableFetch = async (
    input: string | URL,
    init: DurableRequestInit = {},
  ): Promise<DurableResponse> => {
    const { requestId, signal, headers: initHeaders, method, body, ...rest } = init;
    signal?.throwIfAborted();
    if (requestId !== undefined) {
      const stored = loadStream(storage, keyOf(requestId), Math.floor(Date.now() / 1000));
      if (stored !== null) {
        const probe = await fetchImpl(`${stored.streamUrl}&offset=now`, {
          signal,
          cache: "no-store",
        });
        if (probe.ok) return streamResponse(fetchImpl, stored, signal, true);
        // Gone or refused (deleted, expired early): ask the upstream again.
        storage.removeItem(keyOf(requestId));
      }
    }
    const headers = new Headers(initHeaders);
    const upstreamAuthorization = headers.get("authorization");
    headers.delete("authorization");
    if (upstreamAuthorization !== null)
      headers.set("upstream-authorization", upstreamAuthorization);
    headers.set("upstream-url", String(input));
    headers.set("upstream-method", (method ?? "GET").toUpperCase());
    const service = options.proxyAuthorization;
    const credential = typeof service === "function" ? await service() : service;
    if (credential !== undefined) headers.set("authorization", `Bearer ${credential}`);
    const created = await fetchImpl(proxyUrl, {
      ...rest,
      method: "POST",
      headers,
      body: body ?? null,
      signal,
    });
    if (created.status !== 201) return errorResponse(created);
    const location = created.headers.get("location");
    if (location === null) throw new Error("the proxy answered 201 without a Location");
    const streamUrl = new URL(location, proxyUrl).toString();
    const stored: StoredStream = {
      streamUrl,
      upstreamContentType:
        created.headers.get("upstream-content-type") ?? "application/octet-stream",
      expires: Number(new URL(streamUrl).searchParams.get("expires") ?? 0),
    };
    if (requestId !== undefined) storage.setItem(keyOf(requestId), JSON.stringify(stored));
    return streamResponse(fetchImpl, stored, signal, false);
  };
  return Object.assign(durableFetch, {
    forget: (requestId: string) => storage.removeItem(keyOf(requestId)),
  });
}

/** The stream as a `Response`; aborting `signal` also aborts the upstream call. */
function streamResponse(
  fetchImpl: typeof fetch,
  stored: StoredStream,
  signal: AbortSignal | null | undefined,
  resumed: boolean,
): DurableResponse {
  const read = readProxyStream(fetchImpl, stored.streamUrl, "-1", signal ?? undefined);
  signal?.addEventListener(
    "abort",
    () => {
      const abort = new URL(stored.streamUrl);
      abort.searchParams.set("action", "abort");
      void fetchImpl(abort, { method: "PATCH" }).catch(() => {});
    },
    { once: true },
  );
  const response = new Response(read.body, {
    status: 200,
    headers: { "content-type": stored.upstreamContentType },
  });
  return Object.assign(response, {
    streamUrl: stored.streamUrl,
    resumed,
    outcome: read.outcome,
  }) as DurableResponse;
}

/**
 * A refused create. An upstream error (502 with `Upstream-Status`) becomes a
 * response with the upstream's status and body, as a direct fetch would have
 * returned it; any other refusal is returned as the proxy sent it.
 */
function errorResponse(created: Response): DurableResponse {
  const upstreamStatus = Number(created.headers.get("upstream-status"));
  const response =
    created.status === 502 && upstreamStatus >= 400 && upstreamStatus <= 599
      ? new Response(created.body, {
          status: upstreamStatus,
          headers: { "content-type": created.headers.get("content-type") ?? "text/plain" },
        })
      : created;
  return Object.assign(response, {
    streamUrl: null,
    resumed: false,
    outcome: Promise.resolve("upstream-error"),
  }) as DurableResponse;
}
