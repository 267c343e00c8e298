/**
 * `SubscriptionStore` over the coordinator object's SQLite, with the same
 * tables and statements as the Node store (`SUBSCRIPTION_SQL`: a
 * subscription's state as JSON, one row per link, named secrets).
 * `sql.exec` applies at once and the object's output gate holds every answer
 * until the writes are durable, so each mutation's promise is settled as
 * soon as it is applied.
 */

import {
  type LinkColumns,
  linkParams,
  type StoredSubscriptions,
  type StreamLink,
  SUBSCRIPTION_SQL,
  SUBSCRIPTION_TABLES,
  type SubscriptionState,
  type SubscriptionStore,
  storedSubscriptions,
} from "@durastream/server-core";

interface LinkRow extends LinkColumns, Record<string, SqlStorageValue> {}

const DONE = Promise.resolve();

/** Subscription state in a Durable Object's SQLite. */
export class SqlSubscriptionStore implements SubscriptionStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SUBSCRIPTION_TABLES) sql.exec(statement);
  }

  load(): StoredSubscriptions {
    return storedSubscriptions({
      subscriptions: this.#sql.exec<{ state: string }>(SUBSCRIPTION_SQL.subscriptions).toArray(),
      links: this.#sql.exec<LinkRow>(SUBSCRIPTION_SQL.links).toArray(),
      secrets: this.#sql.exec<{ name: string; value: string }>(SUBSCRIPTION_SQL.secrets).toArray(),
    });
  }

  saveSubscription(state: SubscriptionState): Promise<void> {
    this.#sql.exec(SUBSCRIPTION_SQL.saveSubscription, state.id, JSON.stringify(state));
    return DONE;
  }

  removeSubscription(id: string): Promise<void> {
    this.#sql.exec(SUBSCRIPTION_SQL.removeSubscription, id);
    return DONE;
  }

  saveLink(link: StreamLink): Promise<void> {
    this.#sql.exec(SUBSCRIPTION_SQL.saveLink, ...linkParams(link));
    return DONE;
  }

  removeLink(subscriptionId: string, path: string): Promise<void> {
    this.#sql.exec(SUBSCRIPTION_SQL.removeLink, subscriptionId, path);
    return DONE;
  }

  removeLinks(subscriptionId: string): Promise<void> {
    this.#sql.exec(SUBSCRIPTION_SQL.removeLinks, subscriptionId);
    return DONE;
  }

  saveSecret(name: string, value: string): Promise<void> {
    this.#sql.exec(SUBSCRIPTION_SQL.saveSecret, name, value);
    return DONE;
  }
}
