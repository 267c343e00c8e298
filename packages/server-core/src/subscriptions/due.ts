/**
 * Subscription timers for runtimes whose in-process timers do not survive
 * (a Durable Object evicted while idle): the runtime asks when the next
 * event is due, sets its own durable timer for then, and when it fires runs
 * what is due and waits for the deliveries it started.
 */

import type { SubscriptionState } from "../ports/subscription-types.js";
import type { Subscriptions } from "./subscriptions.js";

/** When `sub` next needs attention (lease end or webhook attempt), or null. */
function dueAt(subs: Subscriptions, sub: SubscriptionState): number | null {
  if (sub.deleted) return null;
  let due = sub.leaseExpiresAt ?? Number.POSITIVE_INFINITY;
  if (sub.config.type === "webhook" && sub.nextAttemptAt !== null && !subs.delivering.has(sub.id)) {
    due = Math.min(due, sub.nextAttemptAt);
  }
  return due === Number.POSITIVE_INFINITY ? null : due;
}

/** The earliest time any subscription needs attention, or null when none does. */
export function nextDue(subs: Subscriptions): number | null {
  let next: number | null = null;
  for (const sub of subs.subs.values()) {
    const due = dueAt(subs, sub);
    if (due !== null && (next === null || due < next)) next = due;
  }
  return next;
}

/**
 * Runs every lease end and delivery attempt due by now, then settles once
 * the deliveries under way (these and earlier ones) have finished.
 */
export async function runDue(subs: Subscriptions): Promise<void> {
  await subs.ready;
  const now = subs.ctx.clock.now();
  for (const sub of [...subs.subs.values()]) {
    const due = dueAt(subs, sub);
    if (due !== null && due <= now) subs.onDue(sub);
  }
  while (subs.deliveries.size > 0) await Promise.allSettled([...subs.deliveries]);
}
