/**
 * Pull-wake announcements (Section 7): a wake event appended to the
 * subscription's wake stream, which its workers read like any stream.
 */

import type { SubscriptionState } from "../ports/subscription-types.js";
import type { WatchedStreams } from "../ports/watched-streams.js";

/**
 * Appends a wake event for `stream` to the subscription's wake stream (when
 * it exists and is open). Returns the wake stream's new tail when it was
 * appended in this turn, or null (nothing appended, or sent to another object).
 */
export function announceWake(
  streams: WatchedStreams,
  sub: SubscriptionState,
  stream: string,
  now: number,
): number | null {
  const event = JSON.stringify({
    type: "wake",
    subscription_id: sub.id,
    stream,
    generation: sub.generation,
    ts: now,
  });
  return streams.announce(sub.config.wakeStream!, event, now);
}
