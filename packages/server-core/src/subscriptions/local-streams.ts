/**
 * `WatchedStreams` over the engine's own store: every stream the engine
 * serves, read synchronously, wake events appended in the turn of the wake
 * (so they share its commit).
 */

import { frameJsonBody, isJsonContentType } from "@durastream/protocol";
import type { FeatureContext } from "../context.js";
import type { WatchedStreams } from "../ports/watched-streams.js";

const encoder = new TextEncoder();

/** The streams of `ctx.store`; `onError` hears of failed wake appends. */
export function localWatchedStreams(
  ctx: FeatureContext,
  onError: (error: unknown) => void,
): WatchedStreams {
  return {
    tail(path) {
      const record = ctx.store.get(path);
      return record && !record.softDeleted ? record.tail : 0;
    },
    listFrom: (from, prefix, limit) => ctx.store.listFrom(from, prefix, limit),
    announce(path, event, now) {
      const record = ctx.store.get(path);
      if (!record || record.softDeleted || record.closed) return null;
      const data = wakeEventBytes(record.contentType, event);
      if (data === null) return null;
      const written = ctx.store.append(record, {
        data,
        close: false,
        producer: null,
        streamSeq: null,
        now,
      });
      // Its readers are woken once the append is durable.
      written.then(() => ctx.wake(record.id), onError);
      return record.tail;
    },
  };
}

/**
 * A wake event as a stream of `contentType` stores it: one JSON message on a
 * JSON stream, a line otherwise; null when it cannot be framed.
 */
export function wakeEventBytes(contentType: string, event: string): Uint8Array | null {
  if (!isJsonContentType(contentType)) return encoder.encode(`${event}\n`);
  const framed = frameJsonBody(encoder.encode(event), false);
  return typeof framed === "string" ? null : framed.bytes;
}
