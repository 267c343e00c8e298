/**
 * `SubscriptionCoordinator`: the one Durable Object (named `__ds`) that runs
 * server-core's subscription engine on Cloudflare (Sections 6, 7). It serves
 * `{root}/__ds/subscriptions/...` and `__ds/jwks.json` with the engine's own
 * routes, keeps subscriptions, cursors and signing keys in its SQLite, and
 * hears of creates, appends and deletes of watched streams from their
 * objects (`streamChanged`). Webhooks go out with `fetch`, signed with
 * WebCrypto's Ed25519; lease ends and retries are in-process timers while
 * the object is in memory and its alarm otherwise, so none is lost to eviction.
 */

import { DurableObject } from "cloudflare:workers";
import {
  DurableStreamsEngine,
  MemoryStore,
  nextDue,
  runDue,
  type StreamChange,
  type Subscriptions,
  systemClock,
  WakeHub,
} from "@durastream/server-core";
import { type Config, type Env, readConfig } from "../config.js";
import { fetchResponse, handleInEngine } from "../object/http-bridge.js";
import { REGISTRY_NAME } from "../registry/registry-entry.js";
import type { SubscriptionCoordinatorRpc } from "./coordinator-rpc.js";
import { SqlSubscriptionStore } from "./sql-subscription-store.js";
import { WatchedMirror } from "./watched-mirror.js";

/** Linked streams per subscription at most (as on Node). */
const MAX_LINKS = 10_000;

/** The subscription coordinator. */
export class SubscriptionCoordinator
  extends DurableObject<Env>
  implements SubscriptionCoordinatorRpc
{
  readonly #config: Config;
  readonly #mirror: WatchedMirror;
  readonly #engine: DurableStreamsEngine;
  /** The alarm as this instance last set it; undefined until it set it once. */
  #alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    const onError = (error: unknown) => console.error("durastream: subscriptions", error);
    this.#mirror = new WatchedMirror({
      sql: ctx.storage.sql,
      streams: env.STREAMS,
      registry: () => env.REGISTRY.getByName(REGISTRY_NAME),
      maxLinks: MAX_LINKS,
      onError,
    });
    this.#engine = new DurableStreamsEngine({
      // No stream lives here: the streams are in their own objects, seen through the mirror.
      store: new MemoryStore(),
      hub: new WakeHub(),
      clock: systemClock,
      basePath: this.#config.basePath,
      secret: this.#config.secret,
      ...(this.#config.corsOrigins === undefined ? {} : { corsOrigins: this.#config.corsOrigins }),
      tokens: this.#config.tokens,
      subscriptionStore: new SqlSubscriptionStore(ctx.storage.sql),
      watchedStreams: this.#mirror,
      subscriptions: {
        allowLocalhostWebhooks: this.#config.allowLocalhostWebhooks,
        maxLinksPerSubscription: MAX_LINKS,
        onDeliveryFailure: (failure) =>
          console.warn(
            `durastream: webhook of ${failure.subscriptionId} failed (attempt ${failure.attempt}): ${failure.reason}`,
          ),
      },
      onInternalError: (error) => console.error("durastream: subscription request failed", error),
    });
    const subs = this.#subs;
    this.#mirror.watches = (path) => subs.watches(path);
  }

  get #subs(): Subscriptions {
    return this.#engine.subscriptions!;
  }

  /** A `__ds/subscriptions/...` or `__ds/jwks.json` request routed here by the Worker. */
  override async fetch(request: Request): Promise<Response> {
    const response = await handleInEngine(this.#engine, request, this.#config.basePath);
    if (response === null) return new Response(null, { status: 404 });
    await this.#settle();
    return fetchResponse(response);
  }

  /**
   * A stream's object reports a durable create, append or removal. Returns
   * whether the path concerns a subscription (the object caches the answer
   * and stops reporting appends when it does not).
   */
  async streamChanged(change: StreamChange): Promise<boolean> {
    await this.#engine.ready;
    const subs = this.#subs;
    const before = subs.watches(change.path) || this.#mirror.preparing(change.path);
    // The mirror first: the engine reads tails from it while it wakes.
    if (before) this.#mirror.observe(change, true);
    if (change.kind === "created") subs.streamCreated(change.path, change.tail, change.start);
    else if (change.kind === "appended") subs.streamAppended(change.path, change.tail);
    else subs.streamRemoved(change.path);
    const watched = subs.watches(change.path) || this.#mirror.preparing(change.path);
    this.#mirror.observe(change, watched);
    await this.#settle();
    return watched;
  }

  /** Lease ends and webhook attempts due while no timer of this instance ran. */
  override async alarm(): Promise<void> {
    // The alarm that fired is no longer set.
    this.#alarmAt = null;
    await runDue(this.#subs);
    await this.#settle();
  }

  /**
   * Waits for wake events sent, then sets the alarm to the next due event —
   * only when that changed: every alarm write is a row written, and most
   * reports change nothing due.
   */
  async #settle(): Promise<void> {
    await this.#mirror.settled();
    const next = nextDue(this.#subs);
    if (next === this.#alarmAt) return;
    this.#alarmAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
