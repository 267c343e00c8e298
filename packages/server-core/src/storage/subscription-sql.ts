/**
 * The subscription tables both SQL stores keep (the Node server's SQLite
 * file, beside the streams; the Cloudflare coordinator object's SQLite),
 * their statements, and how their rows become what `SubscriptionStore.load`
 * returns. Dialect-neutral like `sql-rows.ts`: plain SQLite text, no driver;
 * each store runs the statements with its own driver and commits them its
 * own way (group commit on Node, the object's output gate on Cloudflare).
 */

import type { StoredSubscriptions } from "../ports/subscription-store.js";
import type { StreamLink, SubscriptionState } from "../ports/subscription-types.js";

/**
 * Creates the tables when missing, one statement per entry (a Durable
 * Object runs one at a time). Independent of a store's stream schema version.
 */
export const SUBSCRIPTION_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS subscription_links (
    subscription_id TEXT NOT NULL,
    path TEXT NOT NULL,
    explicit INTEGER NOT NULL,
    glob INTEGER NOT NULL,
    acked INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, path)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS subscription_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID`,
];

/** The statements of a subscription store, one per `SubscriptionStore` method. */
export const SUBSCRIPTION_SQL = {
  /** Rows: `{ state }` (a subscription's state as JSON). */
  subscriptions: "SELECT state FROM subscriptions",
  /** Rows: `LinkColumns`. */
  links: "SELECT subscription_id, path, explicit, glob, acked FROM subscription_links",
  /** Rows: `{ name, value }`. */
  secrets: "SELECT name, value FROM subscription_secrets",
  /** Parameters: id, the state as JSON. */
  saveSubscription: "INSERT OR REPLACE INTO subscriptions (id, state) VALUES (?, ?)",
  /** Parameters: id. */
  removeSubscription: "DELETE FROM subscriptions WHERE id = ?",
  /** Parameters: `linkParams(link)`. */
  saveLink: `INSERT OR REPLACE INTO subscription_links (subscription_id, path, explicit, glob, acked)
    VALUES (?, ?, ?, ?, ?)`,
  /** Parameters: subscription id, path. */
  removeLink: "DELETE FROM subscription_links WHERE subscription_id = ? AND path = ?",
  /** Parameters: subscription id. */
  removeLinks: "DELETE FROM subscription_links WHERE subscription_id = ?",
  /** Parameters: name, value. */
  saveSecret: "INSERT OR REPLACE INTO subscription_secrets (name, value) VALUES (?, ?)",
} as const;

/** A `subscription_links` row. */
export interface LinkColumns {
  subscription_id: string;
  path: string;
  explicit: number;
  glob: number;
  acked: number;
}

/** The parameters of `SUBSCRIPTION_SQL.saveLink` for `link`. */
export function linkParams(link: StreamLink): [string, string, number, number, number] {
  return [link.subscriptionId, link.path, link.explicit ? 1 : 0, link.glob ? 1 : 0, link.acked];
}

/** What `load` returns, from the rows of the three reads. */
export function storedSubscriptions(rows: {
  readonly subscriptions: readonly { readonly state: string }[];
  readonly links: readonly LinkColumns[];
  readonly secrets: readonly { readonly name: string; readonly value: string }[];
}): StoredSubscriptions {
  return {
    subscriptions: rows.subscriptions.map((row) => JSON.parse(row.state) as SubscriptionState),
    links: rows.links.map((row) => ({
      subscriptionId: row.subscription_id,
      path: row.path,
      explicit: row.explicit === 1,
      glob: row.glob === 1,
      acked: row.acked,
    })),
    secrets: new Map(rows.secrets.map((row) => [row.name, row.value])),
  };
}
