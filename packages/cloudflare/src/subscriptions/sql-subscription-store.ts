/**
 * `SubscriptionStore` over the coordinator object's SQLite (the same rows as
 * the Node store: a subscription's state as JSON, one row per link, named
 * secrets). `sql.exec` applies at once and the object's output gate holds
 * every answer until the writes are durable, so each mutation's promise is
 * settled as soon as it is applied.
 */

import type {
  StoredSubscriptions,
  StreamLink,
  SubscriptionState,
  SubscriptionStore,
} from "@durastream/server-core";

interface LinkRow extends Record<string, SqlStorageValue> {
  subscription_id: string;
  path: string;
  explicit: number;
  glob: number;
  acked: number;
}

const DONE = Promise.resolve();

/** Subscription state in a Durable Object's SQLite. */
export class SqlSubscriptionStore implements SubscriptionStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS subscriptions (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS subscription_links (
      subscription_id TEXT NOT NULL,
      path TEXT NOT NULL,
      explicit INTEGER NOT NULL,
      glob INTEGER NOT NULL,
      acked INTEGER NOT NULL,
      PRIMARY KEY (subscription_id, path)
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS subscription_secrets (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID`);
  }

  load(): StoredSubscriptions {
    return {
      subscriptions: this.#sql
        .exec<{ state: string }>("SELECT state FROM subscriptions")
        .toArray()
        .map((row) => JSON.parse(row.state) as SubscriptionState),
      links: this.#sql
        .exec<LinkRow>("SELECT * FROM subscription_links")
        .toArray()
        .map((row) => ({
          subscriptionId: row.subscription_id,
          path: row.path,
          explicit: row.explicit === 1,
          glob: row.glob === 1,
          acked: row.acked,
        })),
      secrets: new Map(
        this.#sql
          .exec<{ name: string; value: string }>("SELECT name, value FROM subscription_secrets")
          .toArray()
          .map((row) => [row.name, row.value]),
      ),
    };
  }

  saveSubscription(state: SubscriptionState): Promise<void> {
    this.#sql.exec(
      "INSERT OR REPLACE INTO subscriptions (id, state) VALUES (?, ?)",
      state.id,
      JSON.stringify(state),
    );
    return DONE;
  }

  removeSubscription(id: string): Promise<void> {
    this.#sql.exec("DELETE FROM subscriptions WHERE id = ?", id);
    return DONE;
  }

  saveLink(link: StreamLink): Promise<void> {
    this.#sql.exec(
      `INSERT OR REPLACE INTO subscription_links (subscription_id, path, explicit, glob, acked)
        VALUES (?, ?, ?, ?, ?)`,
      link.subscriptionId,
      link.path,
      link.explicit ? 1 : 0,
      link.glob ? 1 : 0,
      link.acked,
    );
    return DONE;
  }

  removeLink(subscriptionId: string, path: string): Promise<void> {
    this.#sql.exec(
      "DELETE FROM subscription_links WHERE subscription_id = ? AND path = ?",
      subscriptionId,
      path,
    );
    return DONE;
  }

  removeLinks(subscriptionId: string): Promise<void> {
    this.#sql.exec("DELETE FROM subscription_links WHERE subscription_id = ?", subscriptionId);
    return DONE;
  }

  saveSecret(name: string, value: string): Promise<void> {
    this.#sql.exec(
      "INSERT OR REPLACE INTO subscription_secrets (name, value) VALUES (?, ?)",
      name,
      value,
    );
    return DONE;
  }
}
