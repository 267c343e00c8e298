/**
 * `openStreamTarget()`: the stream a server-side writer is pointed at — where
 * it writes, the URL readers are told to read (which may differ: a public
 * path, no credentials), and whether to create it. The AI transports' `stream`
 * option has this shape.
 */

import { DurableStream } from "./durable-stream.js";
import { DurableStreamError } from "./errors.js";
import { resolveHeaders } from "./resolve.js";
import type { HeadersRecord } from "./types.js";

/** Where a server writes a stream, and the URL readers are told to read. */
export interface StreamTarget {
  /** The stream URL the server writes to (may carry credentials readers must not see). */
  writeUrl: string | URL;
  /** The URL handed to readers; defaults to `writeUrl`. */
  readUrl?: string | URL;
  /** Headers of every write request; function values are resolved once, when the target is opened. */
  headers?: HeadersRecord;
  /** Content type of the stream (default `application/json`). */
  contentType?: string;
  /** Create the stream when it does not exist (default true). */
  createIfMissing?: boolean;
  /** Fetch used for the writes (a service binding, an in-process handler); default `fetch`. */
  fetchClient?: typeof fetch;
}

/** An opened {@link StreamTarget}. */
export interface OpenedStreamTarget {
  /** A handle writing to `writeUrl`. */
  stream: DurableStream;
  /** `readUrl`, or `writeUrl` when there is none. */
  readUrl: string;
}

/**
 * A handle on `target.writeUrl`, created first (unless `createIfMissing` is
 * false) — a stream that already exists is used as it is, whatever its
 * configuration, so a conversation or a retried request writes on.
 *
 * @example
 * ```ts
 * const { stream, readUrl } = await openStreamTarget({
 *   writeUrl: "http://localhost:4437/v1/stream/chat/42",
 *   readUrl: "/api/streams/chat/42",
 * });
 * ```
 */
export async function openStreamTarget(target: StreamTarget): Promise<OpenedStreamTarget> {
  const contentType = target.contentType ?? "application/json";
  const stream = new DurableStream({
    url: String(target.writeUrl),
    headers: await resolveHeaders(target.headers),
    contentType,
    ...(target.fetchClient ? { fetch: target.fetchClient } : {}),
  });
  if (target.createIfMissing !== false) {
    try {
      await stream.create({ contentType });
    } catch (error) {
      const exists =
        error instanceof DurableStreamError &&
        error.status === 409 &&
        (error.code === "CONFLICT_EXISTS" || error.code === "CONFLICT_SEQ");
      if (!exists) throw error;
    }
  }
  return { stream, readUrl: String(target.readUrl ?? target.writeUrl) };
}
