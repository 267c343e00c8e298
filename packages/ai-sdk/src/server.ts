/**
 * Server side: writes a generation's UI message chunks into a durable stream
 * and answers with a pointer to it (`Location` + `{ streamUrl }`) instead of
 * the tokens, so any number of readers — the tab that asked, a reload, a
 * second tab — read the same generation from the stream.
 */

import { openStreamTarget, pipeToStream } from "@durastream/client";
import type { ToDurableStreamResponseOptions } from "./types.js";

/** What a stopped generation ends with: the AI SDK's own `abort` chunk. */
const ABORT_CHUNK = { type: "abort" } as const;

/**
 * Writes `source` (AI SDK UI message chunks) into `stream.writeUrl`, one JSON
 * message per chunk, and closes the stream when the generation ends, fails or
 * is stopped through `signal`.
 *
 * `mode: "immediate"` (default) answers `201` as soon as the stream exists and
 * keeps writing in the background (hand the work to `waitUntil` on runtimes
 * that need it); `mode: "await"` answers `200` with `finalOffset` once written.
 *
 * @example
 * ```ts
 * const result = streamText({ model, messages: await convertToModelMessages(messages) });
 * return toDurableStreamResponse({
 *   source: result.toUIMessageStream(),
 *   stream: { writeUrl: `${streams}/chat/${id}/${Date.now()}` },
 * });
 * ```
 */
export async function toDurableStreamResponse(
  options: ToDurableStreamResponseOptions,
): Promise<Response> {
  const mode = options.mode ?? "immediate";
  const { stream, readUrl } = await openStreamTarget(options.stream);
  const writer = pipeToStream(options.source, stream, {
    producerId: options.producerId ?? `gen-${crypto.randomUUID()}`,
    signal: options.signal,
    onStop: () => [ABORT_CHUNK],
    // Every chunk is one JSON message, string-valued ones included.
    encode: (chunk) => JSON.stringify(chunk),
  }).then((result) => result.offset ?? "");

  if (mode === "await") {
    const finalOffset = await writer;
    return Response.json(
      { streamUrl: readUrl, finalOffset },
      { status: 200, headers: { Location: readUrl } },
    );
  }

  const background = writer.catch((error: unknown) => {
    console.error("Durable stream write failed", error);
  });
  options.waitUntil?.(background);
  const headers = new Headers({ Location: readUrl, "Cache-Control": "no-store" });
  if (options.exposeLocationHeader !== false) {
    headers.set("Access-Control-Expose-Headers", "Location");
  }
  return Response.json({ streamUrl: readUrl }, { status: 201, headers });
}
