/**
 * The stream links of every live subscription, indexed both ways: by
 * subscription (cursor listing, wake snapshots) and by stream path (an append
 * finds the subscriptions it concerns without scanning them all).
 */

import type { StreamLink } from "../ports/subscription-types.js";

/** In-memory links, kept in step with the subscription store by the caller. */
export class LinkIndex {
  readonly #bySubscription = new Map<string, Map<string, StreamLink>>();
  readonly #byPath = new Map<string, Set<string>>();

  /** The link of `subscriptionId` to `path`, or undefined. */
  get(subscriptionId: string, path: string): StreamLink | undefined {
    return this.#bySubscription.get(subscriptionId)?.get(path);
  }

  /** Links of a subscription (live view). */
  of(subscriptionId: string): ReadonlyMap<string, StreamLink> {
    return this.#bySubscription.get(subscriptionId) ?? EMPTY;
  }

  /** Ids of the subscriptions linked to `path`. */
  subscriptionsOf(path: string): ReadonlySet<string> {
    return this.#byPath.get(path) ?? NONE;
  }

  /** Number of links of a subscription. */
  count(subscriptionId: string): number {
    return this.#bySubscription.get(subscriptionId)?.size ?? 0;
  }

  add(link: StreamLink): void {
    let links = this.#bySubscription.get(link.subscriptionId);
    if (!links) {
      links = new Map();
      this.#bySubscription.set(link.subscriptionId, links);
    }
    links.set(link.path, link);
    let ids = this.#byPath.get(link.path);
    if (!ids) {
      ids = new Set();
      this.#byPath.set(link.path, ids);
    }
    ids.add(link.subscriptionId);
  }

  remove(subscriptionId: string, path: string): void {
    const links = this.#bySubscription.get(subscriptionId);
    links?.delete(path);
    if (links?.size === 0) this.#bySubscription.delete(subscriptionId);
    const ids = this.#byPath.get(path);
    ids?.delete(subscriptionId);
    if (ids?.size === 0) this.#byPath.delete(path);
  }

  removeAll(subscriptionId: string): void {
    for (const path of [...this.of(subscriptionId).keys()]) this.remove(subscriptionId, path);
  }
}

const EMPTY: ReadonlyMap<string, StreamLink> = new Map();
const NONE: ReadonlySet<string> = new Set();
