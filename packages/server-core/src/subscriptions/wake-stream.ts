/**
 * Pull-wake announcements (Section 7): a wake event appended to the
 * subscription's wake stream, which its workers read like any stream.
 */

import { frameJsonBody, isJsonContentType } from "@durastream/protocol";
import type { FeatureContext } from "../context.js";
import type { StreamRecord } from "../ports/store.js";
import type { SubscriptionState } from "../ports/subscription-types.js";

const encoder = new TextEncoder();

/**
 * Appends a wake event for `stream` to the subscription's wake stream, when
 * it exists and is open, in this turn (the append shares the wake's commit);
 * its readers are woken once it is durable. Returns the wake stream written,
 * or null when nothing was.
 */
export function announceWake(
  ctx: FeatureContext,
  sub: SubscriptionState,
  stream: string,
  now: number,
  onError: (error: unknown) => void,
): StreamRecord | null {
  const record = ctx.store.get(sub.config.wakeStream!);
  if (!record || record.softDeleted || record.closed) return null;
  const event = JSON.stringify({
    type: "wake",
    subscription_id: sub.id,
    stream,
    generation: sub.generation,
    ts: now,
  });
  let data: Uint8Array;
  if (isJsonContentType(record.contentType)) {
    const framed = frameJsonBody(encoder.encode(event), false);
    if (typeof framed === "string") return null;
    data = framed.bytes;
  } else {
    data = encoder.encode(`${event}\n`);
  }
  const written = ctx.store.append(record, {
    data,
    close: false,
    producer: null,
    streamSeq: null,
    now,
  });
  written.then(() => ctx.wake(record.id), onError);
  return record;
}
