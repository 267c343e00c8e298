/**
 * Worker calls on a wake (Sections 7.1-7.3): webhook callback, pull-wake
 * claim, ack (heartbeat or done) and release. Callback, ack and release are
 * authorized by their wake token and fenced on generation and wake id; a
 * fenced or refused call changes nothing.
 */

import { decodeOffset } from "@durastream/protocol";
import type {
  StreamInfo,
  SubscriptionState,
  SubscriptionType,
} from "../ports/subscription-types.js";
import { fenced, invalid, SubscriptionError } from "./errors.js";
import type { Subscriptions } from "./subscriptions.js";

/** A parsed callback / ack / release body. */
interface WakeCall {
  readonly wakeId: string;
  readonly generation: number;
  readonly acks: ReadonlyArray<{ readonly path: string; readonly position: number }>;
  readonly done: boolean;
}

const MAX_WORKER_LENGTH = 256;

/** What a successful claim returns. */
export interface Claimed {
  readonly wake_id: string;
  readonly generation: number;
  readonly token: string;
  readonly streams: StreamInfo[];
  readonly lease_ttl_ms: number;
}

/** POST `.../claim`: takes the lease of the wake in flight (issuing one for pending work). */
export async function claim(subs: Subscriptions, id: string, body: unknown): Promise<Claimed> {
  await subs.ready;
  const worker = (body as { worker?: unknown } | null)?.worker;
  if (typeof worker !== "string" || worker === "" || worker.length > MAX_WORKER_LENGTH) {
    throw invalid(`worker must be a non-empty string of at most ${MAX_WORKER_LENGTH} characters`);
  }
  const sub = subs.live(id);
  requireType(sub, "pull-wake");
  const now = subs.ctx.clock.now();
  if (sub.leaseExpiresAt !== null && sub.leaseExpiresAt <= now) subs.expireLease(sub);
  if (sub.holder !== null) {
    throw new SubscriptionError(409, "ALREADY_CLAIMED", `claimed by ${sub.holder}`, {
      current_holder: sub.holder,
      generation: sub.generation,
    });
  }
  // A claim that finds pending work but no wake takes a wake of its own (no announcement needed).
  if (sub.wakeId === null && !subs.maybeWake(sub, false)) {
    throw new SubscriptionError(409, "NO_PENDING_WORK", "no linked stream has unacked data");
  }
  sub.holder = worker;
  sub.leaseExpiresAt = now + sub.config.leaseTtlMs;
  const written = subs.persist(sub);
  const streams = subs.streamInfos(sub);
  const grant = {
    subscriptionId: sub.id,
    incarnation: sub.incarnation,
    generation: sub.generation,
    wakeId: sub.wakeId!,
  };
  const token = await subs.tokens!.issue(grant, now);
  await written;
  return {
    wake_id: grant.wakeId,
    generation: grant.generation,
    token,
    streams,
    lease_ttl_ms: sub.config.leaseTtlMs,
  };
}

/**
 * POST `.../callback` (webhook) and `.../ack` (pull-wake): applies acks; with
 * `done` ends the wake (a new one follows when work is pending), otherwise
 * extends the lease.
 */
export async function acknowledge(
  subs: Subscriptions,
  id: string,
  token: string | null,
  body: unknown,
  type: SubscriptionType,
): Promise<{ ok: true; next_wake: boolean }> {
  const { sub, call } = await authorize(subs, id, token, body, type);
  const writes: Promise<void>[] = [];
  for (const ack of call.acks) {
    const link = subs.links.get(sub.id, ack.path)!;
    if (ack.position === link.acked) continue;
    link.acked = ack.position;
    writes.push(subs.store.saveLink(link));
  }
  let nextWake = false;
  if (call.done) {
    sub.wakeId = null;
    sub.holder = null;
    sub.leaseExpiresAt = null;
    sub.nextAttemptAt = null;
    sub.retryCount = 0;
    nextWake = subs.maybeWake(sub);
  } else {
    sub.leaseExpiresAt = subs.ctx.clock.now() + sub.config.leaseTtlMs;
  }
  // Commits are in order: this write's durability covers the wake issued above.
  writes.push(subs.persist(sub));
  await Promise.all(writes);
  return { ok: true, next_wake: nextWake };
}

/** POST `.../release`: gives the lease back without acking; pending work is woken again. */
export async function release(
  subs: Subscriptions,
  id: string,
  token: string | null,
  body: unknown,
): Promise<void> {
  const { sub } = await authorize(subs, id, token, body, "pull-wake", false);
  sub.wakeId = null;
  sub.holder = null;
  sub.leaseExpiresAt = null;
  subs.maybeWake(sub);
  await subs.persist(sub);
}

/**
 * Token, type and fencing checks (Section 7.3), then the body's acks checked
 * against the cursors. Everything after the token check is synchronous, so
 * the state it validated is the state the caller changes.
 */
async function authorize(
  subs: Subscriptions,
  id: string,
  token: string | null,
  body: unknown,
  type: SubscriptionType,
  withAcks = true,
): Promise<{ sub: SubscriptionState; call: WakeCall }> {
  await subs.ready;
  subs.live(id);
  if (token === null) {
    throw new SubscriptionError(
      401,
      "TOKEN_INVALID",
      "Authorization: Bearer <wake token> is required",
    );
  }
  const grant = await subs.tokens!.verify(token, id, subs.ctx.clock.now());
  const sub = subs.live(id);
  if (grant.incarnation !== sub.incarnation) {
    throw new SubscriptionError(
      401,
      "TOKEN_INVALID",
      "the token belongs to a deleted subscription",
    );
  }
  requireType(sub, type);
  const call = parseCall(body, withAcks);
  const now = subs.ctx.clock.now();
  if (sub.leaseExpiresAt !== null && sub.leaseExpiresAt <= now) subs.expireLease(sub);
  if (
    grant.generation !== sub.generation ||
    call.generation !== sub.generation ||
    sub.wakeId === null ||
    call.wakeId !== sub.wakeId ||
    grant.wakeId !== sub.wakeId
  ) {
    throw fenced(`wake ${call.wakeId} generation ${call.generation} is not the current wake`);
  }
  if (type === "pull-wake" && sub.holder === null) throw fenced("the wake is not claimed");
  for (const ack of call.acks) {
    const link = subs.links.get(sub.id, ack.path);
    if (!link) {
      throw new SubscriptionError(409, "INVALID_OFFSET", `${ack.path} is not linked to ${sub.id}`);
    }
    if (ack.position < link.acked) {
      throw new SubscriptionError(
        409,
        "INVALID_OFFSET",
        `ack for ${ack.path} moves its cursor back`,
      );
    }
    if (ack.position > subs.tail(ack.path)) {
      throw new SubscriptionError(409, "INVALID_OFFSET", `ack for ${ack.path} is past its tail`);
    }
  }
  return { sub, call };
}

function requireType(sub: SubscriptionState, type: SubscriptionType): void {
  if (sub.config.type !== type) {
    throw new SubscriptionError(
      400,
      "WRONG_SUBSCRIPTION_TYPE",
      `subscription ${sub.id} is a ${sub.config.type} subscription`,
    );
  }
}

function parseCall(body: unknown, withAcks: boolean): WakeCall {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("the body must be a JSON object");
  }
  const input = body as Record<string, unknown>;
  if (typeof input.wake_id !== "string") throw invalid("wake_id must be a string");
  if (typeof input.generation !== "number" || !Number.isSafeInteger(input.generation)) {
    throw invalid("generation must be an integer");
  }
  if (input.done !== undefined && typeof input.done !== "boolean") {
    throw invalid("done must be a boolean");
  }
  const acks: Array<{ path: string; position: number }> = [];
  if (withAcks && input.acks !== undefined) {
    if (!Array.isArray(input.acks)) throw invalid("acks must be an array");
    for (const ack of input.acks as unknown[]) {
      const { stream, offset } = (ack ?? {}) as { stream?: unknown; offset?: unknown };
      if (typeof stream !== "string") throw invalid("each ack needs a stream path");
      const position = typeof offset === "string" ? decodeOffset(offset) : undefined;
      if (position === undefined) {
        throw new SubscriptionError(
          400,
          "INVALID_OFFSET",
          `ack offset for ${stream} is not an offset`,
        );
      }
      acks.push({ path: stream, position });
    }
  }
  return { wakeId: input.wake_id, generation: input.generation, acks, done: input.done === true };
}
