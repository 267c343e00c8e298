/**
 * Forks (PROTOCOL.md 4.2): a new stream that inherits a source stream's data
 * up to an offset. "Regenerate from here" and "edit an earlier message" fork
 * the conversation at that message's offset and write the new branch into
 * the fork; the original stays as it was, readable by anyone holding its URL.
 */

import { DurableStreamError, type HeadersRecord } from "@durastream/client";
import { resolveHeaders } from "./headers.js";

export interface ForkDurableStreamOptions {
  /** The stream to branch from (same server as `target`). */
  source: string | URL;
  /** The new stream's URL. */
  target: string | URL;
  /**
   * Where the branch diverges: the fork holds the source's data before this
   * offset. Default: the source's current tail.
   */
  offset?: string;
  headers?: HeadersRecord;
  fetchClient?: typeof fetch;
}

/** The fork that was created (or that already existed with the same origin). */
export interface ForkResult {
  url: string;
  /** `Stream-Next-Offset` of the fork: where its own appends start. */
  nextOffset: string | undefined;
}

/**
 * Creates `target` as a fork of `source` at `offset` (a `PUT` with
 * `Stream-Forked-From` and `Stream-Fork-Offset`). Repeating the same fork is
 * idempotent; a different stream already at `target` is a 409
 * `DurableStreamError`.
 */
export async function forkDurableStream(options: ForkDurableStreamOptions): Promise<ForkResult> {
  const target = new URL(String(options.target));
  const source = new URL(String(options.source), target);
  if (source.origin !== target.origin) {
    throw new DurableStreamError(
      "A fork's source must be on the same server as the fork",
      "BAD_REQUEST",
      400,
    );
  }
  const headers: Record<string, string> = {
    ...(await resolveHeaders(options.headers)),
    "Stream-Forked-From": source.pathname,
  };
  if (options.offset !== undefined) headers["Stream-Fork-Offset"] = options.offset;
  const response = await (options.fetchClient ?? fetch)(target, { method: "PUT", headers });
  if (!response.ok) throw await DurableStreamError.fromResponse(response, target.href);
  await response.body?.cancel();
  return {
    url: target.href,
    nextOffset: response.headers.get("Stream-Next-Offset") ?? undefined,
  };
}
