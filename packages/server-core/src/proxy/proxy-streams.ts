/**
 * The proxy's own streams, written through the engine's operations (so every
 * protocol rule, durability and wake-up applies as for any stream):
 *
 * - `__ds/proxy/s/<id>` holds the upstream bytes (or a session's frames);
 * - `__ds/proxy/m/<id>` is its journal, newline-delimited JSON: a header
 *   line, then per response a `start` line and, once it ended, an `end`
 *   line with the outcome. A `start` without an `end` after a restart means
 *   the process died mid-response (see `recovery.ts`).
 *
 * Both live in the reserved namespace, so the stream API does not reach them:
 * only the proxy routes, with their own authentication, do.
 */

import type { EngineContext } from "../context.js";
import type { EngineRequest } from "../http/http-types.js";
import { loadPart } from "../http/http-types.js";
import { findStream } from "../lifecycle/stream-lifecycle.js";
import { appendStream } from "../operations/append-stream.js";
import { createStream } from "../operations/create-stream.js";
import { deleteStream } from "../operations/delete-stream.js";
import type { StreamRecord } from "../ports/store.js";
import type { ProxyOutcome } from "./outcome.js";

/** Path prefix of the proxy's data streams. */
export const DATA_PREFIX = "__ds/proxy/s/";
/** Path prefix of the proxy's journal streams. */
export const JOURNAL_PREFIX = "__ds/proxy/m/";
const JOURNAL_TYPE = "application/x-ndjson";
/** Content type of session streams (frames, see `framing.ts`). */
export const SESSION_TYPE = "application/json";

/** Stream ids the proxy makes: UUIDs and `session-<hex>`. */
export const STREAM_ID = /^[A-Za-z0-9-]{1,64}$/;

export const dataPath = (id: string) => `${DATA_PREFIX}${id}`;
export const journalPath = (id: string) => `${JOURNAL_PREFIX}${id}`;

/** The journal's first line. */
export interface JournalHeader {
  readonly session: boolean;
  /** The upstream content type of a stream without a session (one response). */
  readonly upstreamContentType: string | null;
}

/** A journal line after the header. */
export type JournalEntry =
  | { readonly response: number; readonly start: true; readonly upstreamContentType: string }
  | { readonly response: number; readonly outcome: ProxyOutcome; readonly bytes: number };

/** What the journal says about a stream. */
export interface Journal {
  readonly header: JournalHeader;
  /** The last entry, or null before the first response. */
  readonly last: JournalEntry | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A signal never aborted; made on first use (workerd refuses an AbortController at module scope). */
let never: AbortSignal | undefined;

/** An engine request the proxy makes to its own streams. */
function internalRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array | null,
): EngineRequest {
  never ??= new AbortController().signal;
  return {
    method,
    path,
    query: new URLSearchParams(),
    header: (name) => headers[name.toLowerCase()] ?? null,
    body,
    signal: never,
  };
}

/** Creates the data stream and the journal of a new proxy stream. */
export async function createProxyStreams(
  ctx: EngineContext,
  id: string,
  contentType: string,
  header: JournalHeader,
  ttlSeconds: number,
): Promise<void> {
  const ttl = String(ttlSeconds);
  const line = encoder.encode(`${JSON.stringify(header)}\n`);
  await createStream(
    ctx,
    internalRequest(
      "PUT",
      journalPath(id),
      { "content-type": JOURNAL_TYPE, "stream-ttl": ttl },
      line,
    ),
    "",
  );
  await createStream(
    ctx,
    internalRequest("PUT", dataPath(id), { "content-type": contentType, "stream-ttl": ttl }, null),
    "",
  );
}

/** Appends `bytes` (and/or closes) to the data stream; settles once durable. */
export async function appendData(
  ctx: EngineContext,
  id: string,
  contentType: string,
  bytes: Uint8Array | null,
  close: boolean,
): Promise<void> {
  const headers: Record<string, string> = { "content-type": contentType };
  if (close) headers["stream-closed"] = "true";
  await appendStream(ctx, internalRequest("POST", dataPath(id), headers, bytes));
}

/** Appends one journal entry; `close` closes the journal too. */
export async function appendJournal(
  ctx: EngineContext,
  id: string,
  entry: JournalEntry,
  close: boolean,
): Promise<void> {
  const headers: Record<string, string> = { "content-type": JOURNAL_TYPE };
  if (close) headers["stream-closed"] = "true";
  const line = encoder.encode(`${JSON.stringify(entry)}\n`);
  await appendStream(ctx, internalRequest("POST", journalPath(id), headers, line));
}

/** Deletes both streams of `id` (each only if it exists). */
export async function deleteProxyStreams(ctx: EngineContext, id: string): Promise<void> {
  for (const path of [dataPath(id), journalPath(id)]) {
    const record = findStream(ctx, path);
    if (record && !record.softDeleted)
      await deleteStream(ctx, internalRequest("DELETE", path, {}, null));
  }
}

/** Journal lines longer than this are not the proxy's: the head and tail reads stop there. */
const MAX_LINE = 4096;

/**
 * Reads the journal of `id`, or null when there is none. `touch`: a read of
 * the data stream, which slides the journal's TTL with the data's.
 */
export function readJournal(ctx: EngineContext, id: string, touch = false): Journal | null {
  const record = findStream(ctx, journalPath(id));
  if (!record || record.softDeleted) return null;
  if (touch) ctx.store.touch(record, ctx.clock.now());
  const head = lines(readRange(ctx, record, 0, Math.min(record.visibleTail, MAX_LINE)));
  if (head.length === 0) return null;
  const header = JSON.parse(head[0]!) as JournalHeader;
  const from = Math.max(0, record.visibleTail - MAX_LINE);
  const tail = lines(readRange(ctx, record, from, record.visibleTail));
  const lastLine = tail[tail.length - 1];
  const last =
    lastLine === undefined || (from === 0 && tail.length === 1)
      ? null
      : (JSON.parse(lastLine) as JournalEntry);
  return { header, last };
}

function readRange(ctx: EngineContext, record: StreamRecord, from: number, to: number): string {
  if (to <= from) return "";
  const parts: Uint8Array[] = [];
  for (const chunk of ctx.store.readChunks(record, from, to, to - from)) {
    const bytes = loadPart(chunk.bytes);
    const start = Math.max(0, from - chunk.start);
    const end = Math.min(bytes.length, to - chunk.start);
    if (end > start) parts.push(bytes.subarray(start, end));
  }
  let text = "";
  for (const part of parts) text += decoder.decode(part, { stream: true });
  return text + decoder.decode();
}

/** Complete lines of `text` (a partial first line of a tail read is dropped by JSON framing below). */
function lines(text: string): string[] {
  const all = text.split("\n");
  all.pop();
  // A tail read may start mid-line: keep only lines that parse as objects.
  return all.filter((line) => line.startsWith("{") && line.endsWith("}"));
}
