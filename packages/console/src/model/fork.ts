/**
 * Forking (PROTOCOL.md 4.2) from the console, through the client's
 * `forkStream`. A fork "at" a message inherits that message and
 * all before it.
 */

import { forkStream } from "@durastream/client";
import {
  decodeOffset,
  encodeOffset,
  isJsonContentType,
  storedJsonPrefixLength,
  ZERO_OFFSET,
} from "@durastream/protocol";
import type { Connection } from "./connection.js";
import type { TailMessage } from "./message-buffer.js";

/** Where a fork diverges: an offset and, inside a JSON batch, a message count past it. */
export interface ForkPoint {
  readonly offset: string;
  readonly subOffset: number;
}

/** The fork point that inherits `message` and everything before it. */
export function forkPointAfter(message: TailMessage): ForkPoint {
  if (message.index + 1 >= message.batchSize) return { offset: message.endOffset, subOffset: 0 };
  // Inside a JSON batch: anchor at the batch and count messages past it. A
  // tail started at -1 names its first batch "-1": the stream's first offset.
  const anchor = message.batchOffset === "-1" ? ZERO_OFFSET : message.batchOffset;
  return { offset: anchor, subOffset: message.index + 1 };
}

/**
 * `point` as the server can take it: the offset where the append holding the
 * message starts, and the message's count inside that append (PROTOCOL.md
 * 4.2: a sub-offset never reaches past the next data boundary). A tail's
 * batch may span several appends (a catch-up read returns them together), so
 * the batch is read again as stored bytes (JSON messages as sent, one `,`
 * apart) to find where each message ends, and the message boundaries before
 * the chosen one are tried as read offsets, nearest first: the first the
 * server accepts is the start of the message's append. A point it cannot
 * refine (other content types, another server's offsets) is sent unchanged.
 */
async function resolvePoint(
  connection: Connection,
  source: string,
  point: ForkPoint,
  contentType: string | undefined,
): Promise<ForkPoint> {
  const start = decodeOffset(point.offset);
  if (point.subOffset === 0 || start === undefined || !isJsonContentType(contentType ?? "")) {
    return point;
  }
  const response = await connection.auth.fetch(readUrl(connection, source, point.offset));
  if (!response.ok) return point;
  const body = new Uint8Array(await response.arrayBuffer());
  // `[m1,m2,…]` → the stored form `m1,m2,…,`.
  if (body.length < 2) return point;
  const stored = body.slice(1);
  stored[stored.length - 1] = 0x2c;
  // ends[j]: where the first j messages of the batch end.
  const ends: number[] = [start];
  for (let count = 1; count <= point.subOffset; count++) {
    const length = storedJsonPrefixLength(stored, count);
    if (length === undefined) return point;
    ends.push(start + length);
  }
  for (let before = point.subOffset; before > 0; before--) {
    const anchor = encodeOffset(ends[before]!);
    if (await isReadOffset(connection, source, anchor)) {
      return { offset: anchor, subOffset: point.subOffset - before };
    }
  }
  return point;
}

function readUrl(connection: Connection, source: string, offset: string): URL {
  const url = new URL(connection.urlOf(source));
  url.searchParams.set("offset", offset);
  return url;
}

/** Whether the server takes `offset` as a read offset of `source` (a data boundary). */
async function isReadOffset(
  connection: Connection,
  source: string,
  offset: string,
): Promise<boolean> {
  const response = await connection.auth.fetch(readUrl(connection, source, offset));
  // Only the status matters: the data after the offset is not needed.
  await response.body?.cancel();
  return response.ok;
}

/** Creates `target` as a fork of `source` at `point` (its tail when null). */
export async function createFork(
  connection: Connection,
  source: string,
  target: string,
  point: ForkPoint | null,
  contentType: string | undefined,
): Promise<void> {
  const resolved =
    point === null ? null : await resolvePoint(connection, source, point, contentType);
  await forkStream({
    url: connection.urlOf(target),
    source: connection.urlPathOf(source),
    ...(resolved === null
      ? {}
      : {
          offset: resolved.offset,
          ...(resolved.subOffset > 0 ? { subOffset: resolved.subOffset } : {}),
        }),
    fetch: connection.auth.fetch,
    warnOnHttp: false,
    ...(contentType === undefined ? {} : { contentType }),
  });
}
