/**
 * The upstream port: how a runtime makes the proxy's upstream HTTP call. It
 * must never follow redirects (a 3xx is returned as is) and must refuse
 * addresses it may not reach by throwing `UpstreamAddressRefused` — the Node
 * runtime checks every resolved address of every connection. The proxy owns
 * timeouts and limits: it aborts `signal` and stops reading `body`.
 */

/** The request the proxy sends upstream. */
export interface UpstreamRequest {
  readonly url: URL;
  readonly method: string;
  /** Headers to send, already filtered (no hop-by-hop, no proxy headers). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, or null for none. */
  readonly body: Uint8Array | null;
  /** Aborted on timeout, abort or delete: the fetcher drops the connection. */
  readonly signal: AbortSignal;
}

/** The upstream's answer: status and headers; the body read as it arrives. */
export interface UpstreamResponse {
  readonly status: number;
  /** Case-insensitive header lookup; null when absent. */
  header(name: string): string | null;
  /** The body's bytes as they arrive; ends when the upstream response ends, throws on a cut. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** The upstream port. */
export interface UpstreamFetcher {
  /** Sends `request`; resolves once the response headers arrived. */
  fetch(request: UpstreamRequest): Promise<UpstreamResponse>;
}

/**
 * An upstream fetcher over WHATWG `fetch` (Workers, browsers' test
 * harnesses): redirects are returned, not followed. Address checks are the
 * platform's (Cloudflare does not let a Worker reach private networks).
 */
export function fetchUpstream(fetchImpl: typeof fetch = fetch): UpstreamFetcher {
  return {
    async fetch(request) {
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body as Uint8Array<ArrayBuffer> | null,
        redirect: "manual",
        signal: request.signal,
      });
      const stream = response.body;
      return {
        status: response.status,
        header: (name) => response.headers.get(name),
        body: stream === null ? emptyBody() : readChunks(stream),
      };
    },
  };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
