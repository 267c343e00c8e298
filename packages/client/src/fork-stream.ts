/**
 * `forkStream()`: creates a stream that branches off another one (PROTOCOL.md
 * 4.2) — a `PUT` with `Stream-Forked-From` and `Stream-Fork-Offset`. The
 * fork starts with the source's data before the fork offset (nothing is
 * copied) and then lives on its own; the source is left as it was.
 * `@durable-streams/client` 0.2.x has no fork API; this is durastream's.
 */

import {
  STREAM_EXPIRES_AT_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_TTL_HEADER,
} from "@durastream/protocol";
import { DurableStream, type DurableStreamOptions } from "./durable-stream.js";
import { DurableStreamError } from "./errors.js";
import { mergeHeaders } from "./resolve.js";
import type { Offset } from "./types.js";
import { sendWithRetry, writeFailure } from "./write-request.js";

const FORKED_FROM_HEADER = "Stream-Forked-From";
const FORK_OFFSET_HEADER = "Stream-Fork-Offset";
const FORK_SUB_OFFSET_HEADER = "Stream-Fork-Sub-Offset";

/** Options of {@link forkStream}: the fork's handle options plus where it branches. */
export interface ForkStreamOptions extends DurableStreamOptions {
  /**
   * The stream to branch from: a URL, or a path resolved against `url`. It
   * must be on the same server as the fork (the protocol sends its path).
   */
  source: string | URL;
  /**
   * The divergence point: the fork holds the source's data before this
   * offset. Default: the source's current tail.
   */
  offset?: Offset;
  /**
   * Refines the divergence point this many bytes (JSON streams: messages)
   * past `offset` (`Stream-Fork-Sub-Offset`).
   */
  subOffset?: number;
  /** The fork's own sliding time-to-live in seconds. */
  ttlSeconds?: number;
  /** The fork's own absolute expiry (RFC 3339). */
  expiresAt?: string;
}

/** The fork that was created, or that already existed with the same origin. */
export interface ForkStreamResult {
  /** A handle to the fork (its content type set from the response). */
  stream: DurableStream;
  /** The fork's tail (`Stream-Next-Offset`): where its own appends start. */
  nextOffset: Offset;
}

/**
 * Creates `url` as a fork of `source` at `offset`. Repeating the same fork is
 * idempotent (the server answers 200); a different stream already at `url` is
 * a 409 `FetchError` (`code: "CONFLICT_EXISTS"`), a missing source a 404.
 * Transient failures are retried like `create()`.
 *
 * `contentType` is optional: a fork inherits its source's; when given, it
 * must match it. Header and parameter options apply as on a `DurableStream`.
 *
 * @example
 * ```ts
 * const { stream, nextOffset } = await forkStream({
 *   url: "http://localhost:4437/v1/stream/chat/42-branch",
 *   source: "/v1/stream/chat/42",
 *   offset: messageOffset,
 * });
 * await stream.append({ role: "user", text: "Try again, shorter" });
 * ```
 */
export async function forkStream(options: ForkStreamOptions): Promise<ForkStreamResult> {
  const { source, offset, subOffset, ttlSeconds, expiresAt, ...handleOptions } = options;
  const stream = new DurableStream(handleOptions);
  const sourceUrl = new URL(String(source), stream.url);
  if (sourceUrl.origin !== new URL(stream.url).origin) {
    throw new DurableStreamError(
      "A fork's source must be on the same server as the fork",
      "BAD_REQUEST",
      400,
    );
  }
  if (subOffset !== undefined && !(Number.isSafeInteger(subOffset) && subOffset >= 0)) {
    throw new DurableStreamError("subOffset must be a non-negative integer", "BAD_REQUEST", 400);
  }
  const headers: Record<string, string> = { [FORKED_FROM_HEADER]: sourceUrl.pathname };
  if (offset !== undefined) headers[FORK_OFFSET_HEADER] = offset;
  if (subOffset !== undefined) headers[FORK_SUB_OFFSET_HEADER] = String(subOffset);
  if (options.contentType) headers["content-type"] = options.contentType;
  if (ttlSeconds !== undefined) headers[STREAM_TTL_HEADER] = String(ttlSeconds);
  if (expiresAt !== undefined) headers[STREAM_EXPIRES_AT_HEADER] = expiresAt;

  // A fork PUT is idempotent (same origin and offset → 200), so it is resent
  // after any transient failure, like `create()`.
  const response = await sendWithRetry(
    stream._fetch,
    async () => {
      const target = await stream._target();
      return {
        url: target.url,
        init: {
          method: "PUT",
          headers: mergeHeaders(target.headers, headers),
          signal: options.signal ?? null,
        },
      };
    },
    stream._writePolicy(true),
    options.signal,
  );
  if (!response.ok) throw await writeFailure(response, stream.url, "create");
  await response.body?.cancel().catch(() => {});
  stream.contentType = response.headers.get("content-type") ?? options.contentType;
  return { stream, nextOffset: response.headers.get(STREAM_OFFSET_HEADER) ?? "" };
}
