/**
 * `listStreams()`: pages through durastream's stream listing extension,
 * `GET {stream root}/__ds/streams` (see docs/listing.md). Not part of the
 * Durable Streams protocol: other servers answer 404.
 */

import type { ListedStream, ListingPage } from "@durastream/protocol";
import { DurableStreamError, networkFailure } from "./errors.js";
import { resolveHeaders } from "./resolve.js";
import type { HeadersRecord } from "./types.js";

/** One stream of a listing page (the wire type, from `@durastream/protocol`). */
export type { ListedStream };

/** One page of a listing. */
export type StreamListingPage = ListingPage;

/** Options of {@link listStreams}. */
export interface ListStreamsOptions {
  /** The stream root URL, e.g. `http://localhost:4437/v1/stream`. */
  url: string;
  /** Only paths starting with this (e.g. `chat/`). */
  prefix?: string;
  /** Streams per page, 1 to 1000 (server default 100). */
  limit?: number;
  /** Start after a page that returned this `nextCursor`. */
  cursor?: string;
  /** Headers sent with every page request (values may be functions). */
  headers?: HeadersRecord;
  signal?: AbortSignal;
  /** fetch implementation; default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/**
 * The streams under a stream root, one page per iteration, in byte order of
 * their paths. Pages come from an opaque cursor: a stream that exists for the
 * whole iteration is seen exactly once, whatever is created or deleted
 * meanwhile. Failures throw `DurableStreamError` (`status` set for HTTP errors).
 *
 * @example
 * ```ts
 * for await (const page of listStreams({ url: "http://localhost:4437/v1/stream", prefix: "chat/" })) {
 *   for (const s of page.streams) console.log(s.path, s.bytes);
 * }
 * ```
 */
export async function* listStreams(options: ListStreamsOptions): AsyncGenerator<StreamListingPage> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const endpoint = `${options.url.replace(/\/+$/, "")}/__ds/streams`;
  let cursor = options.cursor ?? null;
  do {
    const url = new URL(endpoint);
    if (options.prefix) url.searchParams.set("prefix", options.prefix);
    if (options.limit !== undefined) url.searchParams.set("limit", String(options.limit));
    if (cursor !== null) url.searchParams.set("cursor", cursor);
    const headers = await resolveHeaders(options.headers);
    let response: Response;
    let page: StreamListingPage;
    try {
      response = await doFetch(url, { headers, signal: options.signal ?? null });
      if (!response.ok) throw await DurableStreamError.fromResponse(response, url.toString());
      page = (await response.json()) as StreamListingPage;
    } catch (error) {
      if ((error as Error)?.name === "AbortError") throw error;
      throw networkFailure(error, url.toString());
    }
    yield page;
    cursor = page.nextCursor;
  } while (cursor !== null);
}
