/**
 * The production Worker with an object that reports its producer states over
 * RPC (`producerStates`): how many it holds in memory and the rows its SQLite
 * keeps. `toSchema3` turns its storage back into what a Worker from before
 * producer expiry (object schema 3) wrote, to test the migration.
 */

import { DurableStreamObject } from "../../src/index.js";

export { default, StreamRegistry, SubscriptionCoordinator } from "../../src/index.js";

/** A producer row as the object stores it. */
export interface ProducerRow {
  readonly producerId: string;
  readonly lastSeq: number;
  readonly updatedAt: number | null;
}

/** `DurableStreamObject` whose producer states a test can inspect. */
export class ProducerStatesObject extends DurableStreamObject {
  producerStates(): { held: number; rows: ProducerRow[] } {
    const sql = this.ctx.storage.sql;
    const hasUpdatedAt = sql
      .exec("SELECT name FROM pragma_table_info('producers') WHERE name = 'updated_at'")
      .toArray().length;
    const rows = sql
      .exec<{ producer_id: string; last_seq: number; updated_at: number | null }>(
        `SELECT producer_id, last_seq, ${hasUpdatedAt ? "updated_at" : "NULL AS updated_at"}
         FROM producers ORDER BY producer_id`,
      )
      .toArray()
      .map((row) => ({
        producerId: row.producer_id,
        lastSeq: row.last_seq,
        updatedAt: row.updated_at,
      }));
    return { held: this.heldProducerStates, rows };
  }

  /** Rewrites the storage as schema 3 had it: producers without `updated_at`. */
  toSchema3(): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec("DROP INDEX producers_updated_at");
      sql.exec("ALTER TABLE producers DROP COLUMN updated_at");
      sql.exec("UPDATE meta SET value = 3 WHERE key = 'schema'");
    });
  }
}
