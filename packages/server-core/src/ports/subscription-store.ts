/**
 * The subscription storage port. Like the stream store, every mutation is
 * applied to the caller's in-memory view at once and returns a promise that
 * settles once it is durable. A durable store shares its commits with the
 * stream store: mutations issued in the same synchronous turn as a stream
 * write are committed in the same transaction as that write (a stream linked
 * by a glob is linked in the commit of the write that gave it pending work).
 */

import type { StreamLink, SubscriptionState } from "./subscription-types.js";

/** Everything a subscription store holds, read once at start-up. */
export interface StoredSubscriptions {
  /** Subscriptions, tombstoned ones included. */
  readonly subscriptions: readonly SubscriptionState[];
  /** Links of live (not tombstoned) subscriptions. */
  readonly links: readonly StreamLink[];
  /** Named secrets: the webhook signing key set and the callback token key. */
  readonly secrets: ReadonlyMap<string, string>;
}

/** The subscription storage port. */
export interface SubscriptionStore {
  /** Reads everything (start-up). */
  load(): StoredSubscriptions;
  /** Inserts or replaces a subscription's state (its value at the time of the call). */
  saveSubscription(state: SubscriptionState): Promise<void>;
  /** Removes a subscription's state for good (a tombstone no token can reach any more). */
  removeSubscription(id: string): Promise<void>;
  /** Inserts or replaces a link (its value at the time of the call). */
  saveLink(link: StreamLink): Promise<void>;
  /** Removes one link. */
  removeLink(subscriptionId: string, path: string): Promise<void>;
  /** Removes every link of a subscription (tombstoning). */
  removeLinks(subscriptionId: string): Promise<void>;
  /** Stores a named secret. */
  saveSecret(name: string, value: string): Promise<void>;
}
