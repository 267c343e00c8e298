/**
 * Server side of TanStack AI over durable streams. Two shapes:
 * - a chat session: one stream per conversation holding every turn (the
 *   user's messages echoed, the assistant's chunks), read live by every tab
 *   — `toDurableChatSessionResponse`;
 * - one stream per generation, closed when it ends — `toDurableStreamResponse`.
 */

import { type DurableStream, openStreamTarget } from "@durastream/client";
import { toMessageEchoChunks } from "./chunks.js";
import type {
  DurableStreamTarget,
  TanStackChunk,
  ToDurableChatSessionResponseOptions,
  ToDurableStreamResponseOptions,
} from "./types.js";
import { stopChunks, tailOf, writeChunks } from "./writer.js";

const DEFAULT_CONTENT_TYPE = "application/json";

/**
 * The session stream of `streamTarget`, created (as `application/json`) when
 * missing. Any other content type is refused: a session holds JSON chunks.
 */
export async function ensureDurableChatSessionStream(
  streamTarget: DurableStreamTarget,
): Promise<DurableStream> {
  if (streamTarget.contentType !== undefined && streamTarget.contentType !== DEFAULT_CONTENT_TYPE) {
    throw new Error(`Chat session streams must use content type "${DEFAULT_CONTENT_TYPE}"`);
  }
  return (await openStreamTarget({ ...streamTarget, contentType: DEFAULT_CONTENT_TYPE })).stream;
}

async function* fromArray(chunks: ReadonlyArray<TanStackChunk>): AsyncIterable<TanStackChunk> {
  yield* chunks;
}

/**
 * Appends `chunks` (sanitized) to `stream`, exactly once; resolves when all
 * are stored. The content type is the handle's (the parameter is kept for
 * the official signature).
 */
export async function appendSanitizedChunksToStream(
  stream: DurableStream,
  chunks: ReadonlyArray<TanStackChunk>,
  _contentType: string = DEFAULT_CONTENT_TYPE,
): Promise<void> {
  await writeChunks(fromArray(chunks), stream, {
    close: false,
    session: true,
    tail: await tailOf(stream),
  });
}

/**
 * Appends every chunk of `source` (sanitized) to `stream`, exactly once,
 * without closing it (a session goes on). A source error is thrown once what
 * was read is stored.
 */
export async function pipeSanitizedChunksToStream(
  source: AsyncIterable<TanStackChunk>,
  stream: DurableStream,
  _contentType: string = DEFAULT_CONTENT_TYPE,
): Promise<void> {
  await writeChunks(source, stream, { close: false, session: true, tail: await tailOf(stream) });
}

function pointer(readUrl: string, exposeLocation: boolean): Response {
  const headers = new Headers({ Location: readUrl, "Cache-Control": "no-store" });
  if (exposeLocation) headers.set("Access-Control-Expose-Headers", "Location");
  return Response.json({ streamUrl: readUrl }, { status: 201, headers });
}

/**
 * Writes `source` into its own stream and closes it when the generation ends,
 * fails or is stopped through `signal`. `immediate` (default) answers `201`
 * with `Location` / `{ streamUrl }` at once; `await` answers `200` with
 * `finalOffset` once written.
 */
export async function toDurableStreamResponse(
  source: AsyncIterable<unknown>,
  options: ToDurableStreamResponseOptions,
): Promise<Response> {
  const { stream, readUrl } = await openStreamTarget(options.stream);
  const writer = writeChunks(source, stream, {
    close: true,
    session: false,
    tail: undefined,
    signal: options.signal,
    onStop: stopChunks,
  });
  if (options.mode === "await") {
    const { offset } = await writer;
    return Response.json(
      { streamUrl: readUrl, finalOffset: offset },
      { status: 200, headers: { Location: readUrl } },
    );
  }
  const background = writer.catch((error: unknown) =>
    console.error("Durable stream write failed", error),
  );
  options.waitUntil?.(background);
  return pointer(readUrl, options.exposeLocationHeader !== false);
}

/**
 * One turn of a chat session: echoes `newMessages` into the session stream,
 * then appends the assistant's `responseStream`. The stream stays open for
 * the next turn. `immediate` (default) answers `202` once the user's messages
 * are stored; `await` answers `200` once the answer is.
 */
export async function toDurableChatSessionResponse(
  options: ToDurableChatSessionResponseOptions,
): Promise<Response> {
  const stream = await ensureDurableChatSessionStream(options.stream);
  const echoed = await writeChunks(
    fromArray(options.newMessages.flatMap(toMessageEchoChunks)),
    stream,
    {
      close: false,
      session: true,
      tail: await tailOf(stream),
    },
  );
  const answer = writeChunks(options.responseStream, stream, {
    close: false,
    session: true,
    tail: echoed.offset || undefined,
    signal: options.signal,
    onStop: stopChunks,
  });
  if (options.mode === "await") {
    await answer;
    return new Response(null, { status: 200, headers: { "Cache-Control": "no-store" } });
  }
  const background = answer.catch((error: unknown) =>
    console.error("Durable chat session write failed", error),
  );
  options.waitUntil?.(background);
  return new Response(null, { status: 202, headers: { "Cache-Control": "no-store" } });
}
