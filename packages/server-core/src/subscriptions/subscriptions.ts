/**
 * The subscription engine (Sections 6, 7): configurations, stream links with
 * their durable cursors, wakes with generation fencing, leases and the
 * webhook retry schedule. State lives in memory and is written through the
 * `SubscriptionStore` in the same synchronous turn as the change, so stream
 * writes and the links or wakes they cause share one commit.
 *
 * Worker calls (claim, ack, release, callback) are in `wake-calls.ts`;
 * webhook delivery in `webhook-delivery.ts`.
 */

import { encodeOffset } from "@durastream/protocol";
import type { FeatureContext } from "../context.js";
import type { SubscriptionStore } from "../ports/subscription-store.js";
import type {
  StreamInfo,
  StreamLink,
  SubscriptionConfig,
  SubscriptionState,
} from "../ports/subscription-types.js";
import type { WatchedStreams } from "../ports/watched-streams.js";
import { SubscriptionError, subscriptionNotFound } from "./errors.js";
import { globMatches } from "./glob.js";
import { LinkIndex } from "./link-index.js";
import { planLinks } from "./plan-links.js";
import type { SubscriptionOptions } from "./settings.js";
import { KEY_SET_SECRET, SigningKeys } from "./signing-keys.js";
import { TOKEN_KEY_SECRET, WakeTokens } from "./tokens.js";
import { announceWake } from "./wake-stream.js";

export type { DeliveryFailure, SubscriptionOptions } from "./settings.js";

/** The subscriptions of one engine. */
export class Subscriptions {
  /** @internal */ readonly subs = new Map<string, SubscriptionState>();
  /** @internal */ readonly links = new LinkIndex();
  /** Live subscriptions with a pattern: checked when a stream is created. */
  readonly #globbing = new Set<SubscriptionState>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** @internal Subscriptions with a webhook request under way. */
  readonly delivering = new Set<string>();
  /** @internal Webhook requests under way, aborted by `stop`. */
  readonly requests = new Set<AbortController>();
  /** @internal Subscriptions whose delivery is due but waits for a free slot. */
  readonly deliveryQueue = new Set<SubscriptionState>();
  /** @internal Webhook deliveries under way (awaited by `settled`). */
  readonly deliveries = new Set<Promise<void>>();
  /** @internal */ keys: SigningKeys | undefined;
  /** @internal */ tokens: WakeTokens | undefined;
  #stopped = false;
  /** Settles once keys are loaded and interrupted work resumed. */
  readonly ready: Promise<void>;

  constructor(
    /** @internal */ readonly ctx: Pick<FeatureContext, "clock">,
    /** @internal */ readonly store: SubscriptionStore,
    /** @internal The streams subscriptions watch (local, or mirrored from other objects). */
    readonly streams: WatchedStreams,
    /** @internal */ readonly options: SubscriptionOptions,
    /** @internal */ readonly deliver: (subs: Subscriptions, sub: SubscriptionState) => void,
    /** @internal */ readonly onError: (error: unknown) => void,
  ) {
    const stored = store.load();
    for (const sub of stored.subscriptions) {
      this.subs.set(sub.id, sub);
      if (!sub.deleted && sub.config.pattern !== null) this.#globbing.add(sub);
    }
    for (const link of stored.links) if (this.subs.has(link.subscriptionId)) this.links.add(link);
    this.ready = this.#open(stored.secrets);
    // A failure to load keys surfaces on every route that awaits `ready`.
    this.ready.catch(onError);
  }

  async #open(secrets: ReadonlyMap<string, string>): Promise<void> {
    this.keys = await SigningKeys.open(this.store, secrets.get(KEY_SET_SECRET));
    this.tokens = await WakeTokens.open(
      this.store,
      secrets.get(TOKEN_KEY_SECRET),
      this.options.tokenTtlMs,
    );
    if (this.#stopped) return;
    for (const write of this.#purgeTombstones()) write.catch(this.onError);
    // Resume what a restart interrupted: retry schedules, leases, and wakes
    // owed for data that arrived while no wake could be issued.
    for (const sub of this.subs.values()) {
      if (sub.deleted) continue;
      if (sub.wakeId === null) this.maybeWake(sub);
      this.arm(sub);
    }
  }

  /** Stops timers; deliveries under way finish but change nothing. */
  stop(): void {
    this.#stopped = true;
    for (const request of this.requests) request.abort();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The live subscription `id`, or a 404 error. */
  live(id: string): SubscriptionState {
    const sub = this.subs.get(id);
    if (!sub || sub.deleted) throw subscriptionNotFound(id);
    return sub;
  }

  /**
   * Creates a subscription, or re-confirms an identical one: `created` says
   * which. A different configuration under the same id is a 409.
   */
  async put(
    id: string,
    config: SubscriptionConfig,
    hash: string,
    requestRootUrl: string,
  ): Promise<{ sub: SubscriptionState; created: boolean }> {
    const existing = this.subs.get(id);
    if (existing && !existing.deleted) {
      if (existing.configHash !== hash) {
        throw new SubscriptionError(
          409,
          "SUBSCRIPTION_EXISTS",
          `subscription ${id} exists with a different configuration`,
        );
      }
      // Rewritten as is: the answer waits until the creating write (earlier in
      // the commit order) is durable too.
      await this.store.saveSubscription(existing);
      return { sub: existing, created: false };
    }
    if (this.streams.prepare) {
      await this.streams.prepare(config.streams, config.pattern);
      // Another request may have created it meanwhile: answer as if it came first.
      if (this.subs.get(id)?.deleted === false) return this.put(id, config, hash, requestRootUrl);
    }
    let live = 0;
    for (const sub of this.subs.values()) if (!sub.deleted) live++;
    if (live >= this.options.maxSubscriptions) {
      throw new SubscriptionError(
        400,
        "LIMIT_EXCEEDED",
        `at most ${this.options.maxSubscriptions} subscriptions`,
      );
    }
    const planned = planLinks(
      {
        store: this.streams,
        maxLinks: this.options.maxLinksPerSubscription,
        tail: (path) => this.tail(path),
      },
      id,
      config,
    );
    const sub: SubscriptionState = {
      id,
      incarnation: randomId(),
      config,
      configHash: hash,
      createdAt: this.ctx.clock.now(),
      rootUrl: this.options.publicRootUrl ?? requestRootUrl,
      deleted: false,
      deletedAt: null,
      generation: 0,
      wakeId: null,
      holder: null,
      leaseExpiresAt: null,
      retryCount: 0,
      nextAttemptAt: null,
    };
    if (existing) this.links.removeAll(id);
    this.subs.set(id, sub);
    if (config.pattern !== null) this.#globbing.add(sub);
    const writes = [this.store.saveSubscription(sub)];
    for (const link of planned.values()) {
      this.links.add(link);
      writes.push(this.store.saveLink(link));
    }
    await Promise.all(writes);
    return { sub, created: true };
  }

  /** Tombstones a subscription: its wake, lease and retries end, its links go. Idempotent. */
  async delete(id: string): Promise<void> {
    const sub = this.subs.get(id);
    if (!sub || sub.deleted) return;
    sub.deleted = true;
    sub.deletedAt = this.ctx.clock.now();
    sub.wakeId = null;
    sub.holder = null;
    sub.leaseExpiresAt = null;
    sub.nextAttemptAt = null;
    this.#globbing.delete(sub);
    this.#disarm(id);
    this.links.removeAll(id);
    await Promise.all([
      this.store.removeLinks(id),
      this.store.saveSubscription(sub),
      ...this.#purgeTombstones(),
    ]);
  }

  /**
   * Drops tombstones older than the token lifetime: every token issued before
   * the deletion has expired, so nothing can reach them any more.
   */
  #purgeTombstones(): Promise<void>[] {
    const before = this.ctx.clock.now() - this.options.tokenTtlMs;
    const writes: Promise<void>[] = [];
    for (const [id, sub] of this.subs) {
      if (sub.deleted && (sub.deletedAt ?? 0) < before) {
        this.subs.delete(id);
        writes.push(this.store.removeSubscription(id));
      }
    }
    return writes;
  }

  /** Links `paths` explicitly, at their current tail when not linked yet. */
  async addStreams(id: string, paths: readonly string[]): Promise<void> {
    const sub = this.live(id);
    if (sub.config.wakeStream !== null && paths.includes(sub.config.wakeStream)) {
      throw new SubscriptionError(
        400,
        "BAD_REQUEST",
        "a subscription cannot link its own wake stream",
      );
    }
    if (this.streams.prepare) {
      await this.streams.prepare(paths, null);
      this.live(id);
    }
    const fresh = paths.filter((path) => !this.links.get(id, path));
    if (this.links.count(id) + fresh.length > this.options.maxLinksPerSubscription) {
      throw new SubscriptionError(
        400,
        "LIMIT_EXCEEDED",
        `a subscription links at most ${this.options.maxLinksPerSubscription} streams`,
      );
    }
    const writes: Promise<void>[] = [];
    for (const path of paths) {
      const link = this.links.get(id, path);
      if (link?.explicit) continue;
      if (link) link.explicit = true;
      const saved = link ?? {
        subscriptionId: id,
        path,
        explicit: true,
        glob: false,
        acked: this.tail(path),
      };
      this.links.add(saved);
      writes.push(this.store.saveLink(saved));
    }
    await Promise.all(writes);
  }

  /** Removes an explicit link; a glob link for the same stream stays. Idempotent. */
  async removeStream(id: string, path: string): Promise<void> {
    this.live(id);
    const link = this.links.get(id, path);
    if (!link?.explicit) return;
    link.explicit = false;
    if (link.glob) {
      await this.store.saveLink(link);
      return;
    }
    this.links.remove(id, path);
    await this.store.removeLink(id, path);
  }

  /**
   * A stream was created: glob subscriptions link it before its initial data
   * (at its own start), explicit links to it start there too, and each
   * linked subscription with pending work wakes. Runs in the turn of the
   * create, so all of it shares the create's commit.
   */
  streamCreated(path: string, tail: number, start: number): void {
    for (const sub of this.#globbing) {
      if (sub.config.wakeStream === path || !globMatches(sub.config.pattern!, path)) {
        continue;
      }
      const link = this.links.get(sub.id, path);
      if (link?.glob) continue;
      if (!link && this.links.count(sub.id) >= this.options.maxLinksPerSubscription) continue;
      const saved = link ?? {
        subscriptionId: sub.id,
        path,
        explicit: false,
        glob: true,
        acked: start,
      };
      saved.glob = true;
      this.links.add(saved);
      void this.store.saveLink(saved).catch(this.onError);
    }
    for (const id of this.links.subscriptionsOf(path)) {
      const link = this.links.get(id, path)!;
      if (link.acked < start) {
        link.acked = start;
        void this.store.saveLink(link).catch(this.onError);
      }
      const sub = this.subs.get(id)!;
      if (sub.wakeId === null && sub.holder === null && tail > link.acked) {
        this.issueWake(sub, path, true);
      }
    }
  }

  /** A stream grew: its subscriptions wake if idle. Runs in the turn of the append. */
  streamAppended(path: string, tail: number): void {
    for (const id of this.links.subscriptionsOf(path)) {
      const sub = this.subs.get(id)!;
      const link = this.links.get(id, path)!;
      if (sub.wakeId === null && sub.holder === null && tail > link.acked) {
        this.issueWake(sub, path, true);
      }
    }
  }

  /**
   * A stream was deleted (or expired): glob links to it go, explicit links
   * start over at the beginning (a stream re-created there is new data).
   */
  streamRemoved(path: string): void {
    for (const id of [...this.links.subscriptionsOf(path)]) {
      const link = this.links.get(id, path)!;
      if (!link.explicit) {
        this.links.remove(id, path);
        void this.store.removeLink(id, path).catch(this.onError);
        continue;
      }
      link.glob = false;
      link.acked = 0;
      void this.store.saveLink(link).catch(this.onError);
    }
  }

  /**
   * Whether a change of `path` concerns any subscription: it is linked, or a
   * live pattern matches it (so its creation links it).
   */
  watches(path: string): boolean {
    if (this.links.subscriptionsOf(path).size > 0) return true;
    for (const sub of this.#globbing) {
      if (sub.config.wakeStream !== path && globMatches(sub.config.pattern!, path)) return true;
    }
    return false;
  }

  /** @internal The stream's tail, 0 when it does not exist. */
  tail(path: string): number {
    return this.streams.tail(path);
  }

  /** @internal The first linked stream with data past its cursor, or null. */
  firstPending(sub: SubscriptionState): string | null {
    for (const link of this.links.of(sub.id).values()) {
      if (this.tail(link.path) > link.acked) return link.path;
    }
    return null;
  }

  /** @internal Cursor listing with tails (wake bodies, claims). */
  streamInfos(sub: SubscriptionState): StreamInfo[] {
    return this.sortedLinks(sub).map((link) => {
      const tail = Math.max(this.tail(link.path), link.acked);
      return {
        path: link.path,
        link_type: link.explicit ? "explicit" : "glob",
        acked_offset: encodeOffset(link.acked),
        tail_offset: encodeOffset(tail),
        has_pending: tail > link.acked,
      };
    });
  }

  /** @internal Links in path order. */
  sortedLinks(sub: SubscriptionState): StreamLink[] {
    return [...this.links.of(sub.id).values()].sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
  }

  /** @internal Issues a wake when the subscription is idle and has pending work. */
  maybeWake(sub: SubscriptionState, announce = true): boolean {
    if (sub.deleted || sub.wakeId !== null || sub.holder !== null) return false;
    const pending = this.firstPending(sub);
    if (pending === null) return false;
    this.issueWake(sub, pending, announce);
    return true;
  }

  /**
   * @internal A new wake: next generation, fresh wake id. A webhook wake
   * starts its lease and is due for delivery (keeping a retry schedule under
   * way); a pull-wake wake is announced on the wake stream. Persisted in
   * this turn; timers are armed once it is durable.
   */
  issueWake(sub: SubscriptionState, stream: string, announce: boolean): void {
    const now = this.ctx.clock.now();
    sub.generation++;
    sub.wakeId = `w_${randomId()}`;
    sub.holder = null;
    if (sub.config.type === "webhook") {
      sub.leaseExpiresAt = now + sub.config.leaseTtlMs;
      sub.nextAttemptAt ??= now;
    } else {
      sub.leaseExpiresAt = null;
      const woken = announce ? announceWake(this.streams, sub, stream, now) : null;
      // Other subscriptions may watch the wake stream; this one is busy with its wake.
      if (woken !== null) this.streamAppended(sub.config.wakeStream!, woken);
    }
    this.persist(sub);
  }

  /** @internal Writes a subscription's state (this turn) and re-arms its timer once durable. */
  persist(sub: SubscriptionState): Promise<void> {
    const written = this.store.saveSubscription(sub);
    written.then(() => this.arm(sub), this.onError);
    return written;
  }

  /** @internal Sets the subscription's timer to its next due event: lease end or delivery attempt. */
  arm(sub: SubscriptionState): void {
    this.#disarm(sub.id);
    if (this.#stopped || sub.deleted) return;
    let due = sub.leaseExpiresAt ?? Number.POSITIVE_INFINITY;
    if (
      sub.config.type === "webhook" &&
      sub.nextAttemptAt !== null &&
      !this.delivering.has(sub.id)
    ) {
      due = Math.min(due, sub.nextAttemptAt);
    }
    if (due === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, due - this.ctx.clock.now());
    const timer = setTimeout(() => {
      this.#timers.delete(sub.id);
      this.#onDue(sub);
    }, delay);
    (timer as { unref?: () => void }).unref?.();
    this.#timers.set(sub.id, timer);
  }

  #disarm(id: string): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
  }

  /** @internal Runs what is due for `sub` now: its lease end or its delivery attempt. */
  onDue(sub: SubscriptionState): void {
    this.#onDue(sub);
  }

  #onDue(sub: SubscriptionState): void {
    if (this.#stopped || sub.deleted || this.subs.get(sub.id) !== sub) return;
    const now = this.ctx.clock.now();
    if (sub.leaseExpiresAt !== null && sub.leaseExpiresAt <= now) {
      this.expireLease(sub);
      return;
    }
    if (sub.nextAttemptAt !== null && sub.nextAttemptAt <= now && sub.config.type === "webhook") {
      this.deliver(this, sub);
      return;
    }
    this.arm(sub);
  }

  /**
   * @internal A lease ran out: holder and wake are cleared, and pending work
   * gets a new wake (a webhook retry schedule under way carries over to it).
   */
  expireLease(sub: SubscriptionState): void {
    sub.holder = null;
    sub.wakeId = null;
    sub.leaseExpiresAt = null;
    if (this.maybeWake(sub)) return;
    if (sub.nextAttemptAt !== null) {
      // Nothing left to deliver.
      sub.nextAttemptAt = null;
      sub.retryCount = 0;
    }
    this.persist(sub);
  }
}

/** 24 random hex characters. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
