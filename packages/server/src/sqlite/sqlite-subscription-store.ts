/**
 * The durable `SubscriptionStore`: subscription state, stream links (the
 * cursors) and the signing and token keys in the same SQLite database as the
 * streams, written through the same group commit. A write issued in the same
 * synchronous turn as a stream write is in that write's transaction.
 */

import type {
  StoredSubscriptions,
  StreamLink,
  SubscriptionState,
  SubscriptionStore,
} from "@durastream/server-core";
import type BetterSqlite3 from "better-sqlite3";

interface LinkRow {
  subscription_id: string;
  path: string;
  explicit: number;
  glob: number;
  acked: number;
}

/** Creates the subscription tables when missing (independent of the stream schema version). */
function ensureSubscriptionSchema(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS subscriptions (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS subscription_links (
      subscription_id TEXT NOT NULL,
      path TEXT NOT NULL,
      explicit INTEGER NOT NULL,
      glob INTEGER NOT NULL,
      acked INTEGER NOT NULL,
      PRIMARY KEY (subscription_id, path)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS subscription_secrets (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
  `);
}

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
    ensureSubscriptionSchema(db);
    this.#sql = {
      subscriptions: db.prepare<[], { state: string }>("SELECT state FROM subscriptions"),
      links: db.prepare<[], LinkRow>("SELECT * FROM subscription_links"),
      secrets: db.prepare<[], { name: string; value: string }>(
        "SELECT name, value FROM subscription_secrets",
      ),
      saveSubscription: db.prepare(
        "INSERT OR REPLACE INTO subscriptions (id, state) VALUES (?, ?)",
      ),
      removeSubscription: db.prepare("DELETE FROM subscriptions WHERE id = ?"),
      saveLink: db.prepare(
        `INSERT OR REPLACE INTO subscription_links (subscription_id, path, explicit, glob, acked)
          VALUES (?, ?, ?, ?, ?)`,
      ),
      removeLink: db.prepare(
        "DELETE FROM subscription_links WHERE subscription_id = ? AND path = ?",
      ),
      removeLinks: db.prepare("DELETE FROM subscription_links WHERE subscription_id = ?"),
      saveSecret: db.prepare(
        "INSERT OR REPLACE INTO subscription_secrets (name, value) VALUES (?, ?)",
      ),
    };
  }

  load(): StoredSubscriptions {
    return {
      subscriptions: this.#sql.subscriptions
        .all()
        .map((row) => JSON.parse(row.state) as SubscriptionState),
      links: this.#sql.links.all().map((row) => ({
        subscriptionId: row.subscription_id,
        path: row.path,
        explicit: row.explicit === 1,
        glob: row.glob === 1,
        acked: row.acked,
      })),
      secrets: new Map(this.#sql.secrets.all().map((row) => [row.name, row.value])),
    };
  }

  saveSubscription(state: SubscriptionState): Promise<void> {
    const json = JSON.stringify(state);
    return this.write(() => this.#sql.saveSubscription.run(state.id, json));
  }

  removeSubscription(id: string): Promise<void> {
    return this.write(() => this.#sql.removeSubscription.run(id));
  }

  saveLink(link: StreamLink): Promise<void> {
    const row = [
      link.subscriptionId,
      link.path,
      link.explicit ? 1 : 0,
      link.glob ? 1 : 0,
      link.acked,
    ];
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
