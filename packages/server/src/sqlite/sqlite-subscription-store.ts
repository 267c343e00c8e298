/**
 * The durable `SubscriptionStore`: subscription state, stream links (the
 * cursors) and the signing and token keys in the same SQLite database as the
 * streams, written through the same group commit. A write issued in the same
 * synchronous turn as a stream write is in that write's transaction. Tables
 * and statements are the Cloudflare store's too (`SUBSCRIPTION_SQL`).
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
import type BetterSqlite3 from "better-sqlite3";

/** Subscription state in the stream database. */
export class SqliteSubscriptionStore implements SubscriptionStore {
  readonly #sql;

  /**
   * @param db the stream store's database
   * @param write queues synchronous SQL into the stream store's next durable group
   */
  constructor(
    db: BetterSqlite3.Database,
    private readonly write: (apply: () => void) => Promise<void>,
  ) {
    for (const statement of SUBSCRIPTION_TABLES) db.exec(statement);
    const sql = SUBSCRIPTION_SQL;
    this.#sql = {
      subscriptions: db.prepare<[], { state: string }>(sql.subscriptions),
      links: db.prepare<[], LinkColumns>(sql.links),
      secrets: db.prepare<[], { name: string; value: string }>(sql.secrets),
      saveSubscription: db.prepare(sql.saveSubscription),
      removeSubscription: db.prepare(sql.removeSubscription),
      saveLink: db.prepare(sql.saveLink),
      removeLink: db.prepare(sql.removeLink),
      removeLinks: db.prepare(sql.removeLinks),
      saveSecret: db.prepare(sql.saveSecret),
    };
  }

  load(): StoredSubscriptions {
    return storedSubscriptions({
      subscriptions: this.#sql.subscriptions.all(),
      links: this.#sql.links.all(),
      secrets: this.#sql.secrets.all(),
    });
  }

  saveSubscription(state: SubscriptionState): Promise<void> {
    const json = JSON.stringify(state);
    return this.write(() => this.#sql.saveSubscription.run(state.id, json));
  }

  removeSubscription(id: string): Promise<void> {
    return this.write(() => this.#sql.removeSubscription.run(id));
  }

  saveLink(link: StreamLink): Promise<void> {
    const row = linkParams(link);
    return this.write(() => this.#sql.saveLink.run(...row));
  }

  removeLink(subscriptionId: string, path: string): Promise<void> {
    return this.write(() => this.#sql.removeLink.run(subscriptionId, path));
  }

  removeLinks(subscriptionId: string): Promise<void> {
    return this.write(() => this.#sql.removeLinks.run(subscriptionId));
  }

  saveSecret(name: string, value: string): Promise<void> {
    return this.write(() => this.#sql.saveSecret.run(name, value));
  }
}
