/**
 * Webhook delivery (Section 7.1): one signed POST per attempt, the retry
 * schedule persisted before it is waited on, and `{"done": true}` acking the
 * snapshot the receiver was sent.
 */

import { decodeOffset } from "@durastream/protocol";
import type { StreamInfo, SubscriptionState } from "../ports/subscription-types.js";
import { retryDelayMs } from "./backoff.js";
import type { Subscriptions } from "./subscriptions.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** URL of a subscription action (`callback`, `claim`, …). */
export function actionUrl(sub: SubscriptionState, action: string): string {
  return `${sub.rootUrl}/__ds/subscriptions/${encodeURIComponent(sub.id)}/${action}`;
}

/** Delivers the current wake of `sub` (runs when its delivery attempt is due). */
export function deliverWebhook(subs: Subscriptions, sub: SubscriptionState): void {
  if (subs.delivering.has(sub.id)) return;
  if (subs.delivering.size >= subs.options.maxConcurrentDeliveries) {
    subs.deliveryQueue.add(sub);
    return;
  }
  subs.deliveryQueue.delete(sub);
  subs.delivering.add(sub.id);
  const delivery: Promise<void> = attempt(subs, sub)
    .catch(subs.onError)
    .finally(() => {
      subs.delivering.delete(sub.id);
      subs.deliveries.delete(delivery);
      if (subs.subs.get(sub.id) === sub) subs.arm(sub);
      // A slot is free: the longest-waiting due delivery takes it.
      const next = subs.deliveryQueue.values().next();
      if (!next.done) deliverWebhook(subs, next.value);
    });
  subs.deliveries.add(delivery);
}

async function attempt(subs: Subscriptions, sub: SubscriptionState): Promise<void> {
  await subs.ready;
  const wakeId = sub.wakeId;
  if (wakeId === null || sub.deleted || subs.stopped) {
    sub.nextAttemptAt = null;
    sub.retryCount = 0;
    if (!sub.deleted) subs.persist(sub);
    return;
  }
  const generation = sub.generation;
  const now = subs.ctx.clock.now();
  const streams = subs.streamInfos(sub);
  const callbackToken = await subs.tokens!.issue(
    { subscriptionId: sub.id, incarnation: sub.incarnation, generation, wakeId },
    now,
  );
  const body = encoder.encode(
    JSON.stringify({
      subscription_id: sub.id,
      wake_id: wakeId,
      generation,
      streams,
      callback_url: actionUrl(sub, "callback"),
      callback_token: callbackToken,
    }),
  );
  const headers = {
    "content-type": "application/json",
    "webhook-signature": await subs.keys!.signatureHeader(body, now),
  };

  let done = false;
  let ok = false;
  let failure = "";
  const abort = new AbortController();
  subs.requests.add(abort);
  const timer = setTimeout(() => abort.abort(), subs.options.webhookTimeoutMs);
  try {
    const reply = await subs.options.sender.post(
      sub.config.webhookUrl!,
      headers,
      body,
      abort.signal,
    );
    ok = reply.status >= 200 && reply.status < 300;
    done = ok && repliedDone(reply.body);
    if (!ok) failure = `the receiver answered ${reply.status}`;
  } catch (error) {
    ok = false;
    failure = abort.signal.aborted
      ? "no answer in time"
      : String((error as Error).message ?? error);
  } finally {
    clearTimeout(timer);
    subs.requests.delete(abort);
  }
  if (sub.deleted || subs.subs.get(sub.id) !== sub || subs.stopped) return;

  if (!ok) {
    sub.retryCount++;
    sub.nextAttemptAt = subs.ctx.clock.now() + retryDelayMs(sub.retryCount, subs.options.random());
    subs.persist(sub);
    subs.options.onDeliveryFailure({
      subscriptionId: sub.id,
      attempt: sub.retryCount,
      reason: failure,
      nextAttemptAt: sub.nextAttemptAt,
    });
    return;
  }
  sub.retryCount = 0;
  const sameWake = sub.wakeId === wakeId && sub.generation === generation;
  // A wake issued while this request was under way still needs its own delivery.
  sub.nextAttemptAt = sub.wakeId !== null && !sameWake ? subs.ctx.clock.now() : null;
  if (done && sameWake) {
    ackSnapshot(subs, sub, streams);
    sub.wakeId = null;
    sub.holder = null;
    sub.leaseExpiresAt = null;
    if (subs.maybeWake(sub)) return;
  }
  subs.persist(sub);
}

/** Whether a receiver's reply body is `{"done": true}` (anything else: it will call back). */
function repliedDone(body: Uint8Array): boolean {
  try {
    const parsed = JSON.parse(decoder.decode(body)) as unknown;
    return (
      typeof parsed === "object" && parsed !== null && (parsed as { done?: unknown }).done === true
    );
  } catch {
    return false;
  }
}

/** Moves each cursor to the tail the receiver was sent (never backwards). */
function ackSnapshot(
  subs: Subscriptions,
  sub: SubscriptionState,
  streams: readonly StreamInfo[],
): void {
  for (const info of streams) {
    const link = subs.links.get(sub.id, info.path);
    const tail = decodeOffset(info.tail_offset);
    if (!link || tail === undefined || tail <= link.acked) continue;
    link.acked = tail;
    void subs.store.saveLink(link).catch(subs.onError);
  }
}
