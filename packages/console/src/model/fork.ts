/**
 * Forking (PROTOCOL.md 4.2) from the console, through the client's
 * `forkStream`. A fork "at" a message inherits that message and
 * all before it.
 */

import { forkStream } from "@durastream/client";
import { ZERO_OFFSET } from "@durastream/protocol";
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

/** Creates `target` as a fork of `source` at `point` (its tail when null). */
export async function createFork(
  connection: Connection,
  source: string,
  target: string,
  point: ForkPoint | null,
  contentType: string | undefined,
): Promise<void> {
  await forkStream({
    url: connection.urlOf(target),
    source: connection.urlPathOf(source),
    ...(point === null
      ? {}
      : { offset: point.offset, ...(point.subOffset > 0 ? { subOffset: point.subOffset } : {}) }),
    fetch: connection.auth.fetch,
    warnOnHttp: false,
    ...(contentType === undefined ? {} : { contentType }),
  });
}
