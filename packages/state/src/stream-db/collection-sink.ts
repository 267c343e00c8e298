/**
 * `CollectionSink`: one StreamDB collection's side of TanStack DB's sync
 * protocol. It keeps the synced rows (the mirror that snapshots, upsert
 * classification and re-syncs read) and forwards writes into TanStack DB
 * transactions that the applier opens and commits.
 *
 * Until the stream has been caught up with once, the sink is *staging*: writes
 * change only the mirror (an update or delete of the catch-up costs a `Map`
 * operation, not a TanStack DB change), and the applier then publishes the
 * caught-up rows in key order ({@link CollectionSink.publish}). The official
 * package likewise shows nothing before the first up-to-date.
 *
 * @module
 */
import type { SyncConfig } from "@tanstack/db";
import type { CollectionDefinition } from "../state-schema.js";

type Row = Record<string, unknown>;
type SyncParams = Parameters<SyncConfig<Row, string>["sync"]>[0];

/** How a change lands in the collection after classification against the synced rows. */
export type SinkOperation = "insert" | "update" | "delete";

export class CollectionSink {
  readonly name: string;
  readonly definition: CollectionDefinition;
  /** Synced rows by key (optimistic changes are not here). */
  readonly rows = new Map<string, Row>();
  #params: SyncParams | undefined;
  #open = false;
  #ready = false;
  #staging = true;
  /** The sync session the first published row went to (`null`: none was running). */
  #publishedTo: SyncParams | null | undefined;

  constructor(name: string, definition: CollectionDefinition) {
    this.name = name;
    this.definition = definition;
  }

  /**
   * The TanStack DB sync function. Runs when the collection starts syncing,
   * and again if it restarts after cleanup: the rows held so far are replayed
   * so a restarted collection shows the same state.
   */
  readonly sync: SyncConfig<Row, string>["sync"] = (params) => {
    this.#params = params;
    this.#open = false;
    if (this.rows.size > 0 && !this.#staging) {
      params.begin();
      for (const row of this.rows.values()) params.write({ type: "insert", value: row });
      params.commit();
    }
    if (this.#ready) params.markReady();
    return () => {
      if (this.#params === params) this.#params = undefined;
    };
  };

  /** Restores rows before the collection exists (resume from a snapshot). */
  seed(key: string, row: Row): void {
    this.rows.set(key, row);
  }

  #begin(): SyncParams | undefined {
    const params = this.#params;
    if (params && !this.#open) {
      params.begin();
      this.#open = true;
    }
    return params;
  }

  /**
   * Applies one change to the mirror and the open transaction. `insert`,
   * `update` and `upsert` become an insert or an update depending on whether
   * the key is synced; deleting an absent key changes nothing.
   */
  write(key: string, operation: "insert" | "update" | "upsert" | "delete", row?: Row): void {
    const exists = this.rows.has(key);
    let op: SinkOperation;
    if (operation === "delete") {
      if (!exists) return;
      op = "delete";
      this.rows.delete(key);
    } else {
      op = exists ? "update" : "insert";
      this.rows.set(key, row!);
    }
    if (this.#staging) return;
    const params = this.#begin();
    if (!params) return;
    if (op === "delete") params.write({ type: "delete", key });
    else params.write({ type: op, value: row! });
  }

  /** Empties the collection inside the open transaction (State Protocol `reset`). */
  truncate(): void {
    this.rows.clear();
    if (this.#staging) return;
    const params = this.#begin();
    params?.truncate({ markReady: this.#ready });
  }

  /** Whether writes still go to the mirror only (before the first catch-up is published). */
  get staging(): boolean {
    return this.#staging;
  }

  /**
   * Publishes one staged row (an insert into the open transaction); the
   * applier calls it for every key of the mirror, in key order, then
   * {@link CollectionSink.endStaging}.
   */
  publish(key: string): void {
    this.#publishedTo ??= this.#params ?? null;
    const row = this.rows.get(key);
    const params = this.#begin();
    if (row && params) params.write({ type: "insert", value: row });
  }

  /** From now on writes reach TanStack DB as they come. */
  endStaging(): void {
    this.#staging = false;
    const params = this.#params;
    const publishedTo = this.#publishedTo;
    this.#publishedTo = undefined;
    // The collection (re)started syncing while rows were being published: it
    // holds only part of them, so it gets all of them afresh.
    if (params && publishedTo !== undefined && publishedTo !== params) {
      this.commit();
      params.begin();
      params.truncate({ markReady: this.#ready });
      for (const row of this.rows.values()) params.write({ type: "insert", value: row });
      params.commit();
    }
  }

  /** Publishes the open transaction, if any. */
  commit(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#params?.commit();
  }

  /** Marks the collection ready (caught up with the stream). */
  markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#params?.markReady();
  }
}
