/** The in-memory `SubscriptionStore` of the ephemeral mode: writes are durable at once. */

import type { StoredSubscriptions, SubscriptionStore } from "../ports/subscription-store.js";
import type { StreamLink, SubscriptionState } from "../ports/subscription-types.js";

const DONE = Promise.resolve();

/** Keeps subscription state in process memory. */
export class MemorySubscriptionStore implements SubscriptionStore {
  readonly #subscriptions = new Map<string, SubscriptionState>();
  readonly #links = new Map<string, StreamLink>();
  readonly #secrets = new Map<string, string>();

  load(): StoredSubscriptions {
    return {
      subscriptions: [...this.#subscriptions.values()].map((s) => structuredClone(s)),
      links: [...this.#links.values()].map((l) => ({ ...l })),
      secrets: new Map(this.#secrets),
    };
  }

  saveSubscription(state: SubscriptionState): Promise<void> {
    this.#subscriptions.set(state.id, structuredClone(state));
    return DONE;
  }

  removeSubscription(id: string): Promise<void> {
    this.#subscriptions.delete(id);
    return DONE;
  }

  saveLink(link: StreamLink): Promise<void> {
    this.#links.set(`${link.subscriptionId}\u0000${link.path}`, { ...link });
    return DONE;
  }

  removeLink(subscriptionId: string, path: string): Promise<void> {
    this.#links.delete(`${subscriptionId}\u0000${path}`);
    return DONE;
  }

  removeLinks(subscriptionId: string): Promise<void> {
    for (const [key, link] of this.#links) {
      if (link.subscriptionId === subscriptionId) this.#links.delete(key);
    }
    return DONE;
  }

  saveSecret(name: string, value: string): Promise<void> {
    this.#secrets.set(name, value);
    return DONE;
  }
}
