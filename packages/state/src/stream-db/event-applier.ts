/**
 * `EventApplier`: applies the State Protocol messages of a stream to the
 * StreamDB's collections. Work is cut into slices of at most `sliceBudgetMs`;
 * between slices it commits what it wrote and yields to the event loop, so a
 * stream of 100,000 events materializes without freezing a page.
 *
 * Until the first up-to-date, the sinks stage rows (see `CollectionSink`);
 * then every collection's caught-up rows are published in key order, in
 * slices, before the collections are marked ready.
 *
 * Commits are withheld inside a reset or a snapshot (`reset` until the end of
 * its batch or the `snapshot-end` that follows; `snapshot-start` until
 * `snapshot-end`), so readers see the old state, then the new one, never an
 * emptied or half-filled collection.
 *
 * @module
 */
import type { JsonBatch } from "@durastream/client";
import type { ChangeEvent } from "../change-event.js";
import { LOG_PREFIX, type StateLogger } from "../logger.js";
import { validateWith } from "../standard-validation.js";
import { validateStateEvent } from "../validate-state-event.js";
import type { CollectionSink } from "./collection-sink.js";
import { sortedInSlices } from "./sorted-in-slices.js";
import type { TxidTracker } from "./txid-tracker.js";
import { now, yieldToEventLoop } from "./yield-to-event-loop.js";

type Row = Record<string, unknown>;

/** Options of {@link EventApplier}. */
export interface EventApplierOptions {
  validate: boolean;
  logger: StateLogger;
  sliceBudgetMs: number;
  txids: TxidTracker;
  onEvent?: (event: ChangeEvent) => void;
}

/** How often (in messages) the clock is read while applying. */
const CLOCK_EVERY = 16;
/**
 * Most rows one commit carries while commits are not held. TanStack DB keeps
 * every collection's keys sorted: a commit of 512 writes or more re-sorts all
 * of them (a stall that grows with the collection), a smaller one inserts in place.
 */
const MAX_ROWS_PER_COMMIT = 128;
/** Most rows one commit carries while publishing staged rows in key order (below TanStack DB's re-sort). */
const MAX_ROWS_PER_PUBLISH = 511;
/** First guess of the commit cost per written row (ms), before any commit was measured. */
const INITIAL_COMMIT_MS_PER_ROW = 0.02;

export class EventApplier {
  readonly #byType: Map<string, CollectionSink>;
  readonly #sinks: CollectionSink[];
  readonly #options: EventApplierOptions;
  /** Insertion counter stamped on rows as `_seq` (same as `@durable-streams/state`). */
  #seq = 0;
  /** Why commits are withheld: inside a reset or a snapshot. */
  #holding: "reset" | "snapshot" | undefined;
  #pendingTxids: string[] = [];
  #ready = false;
  /** Rows go to the sinks' mirrors only, until the first catch-up is published. */
  #staging = true;
  #skipped = 0;
  /** Rows written since the last commit. */
  #uncommitted = 0;
  /**
   * Measured cost of committing one row (TanStack DB applies the writes and
   * runs live queries at commit, which costs more than writing): a slice ends
   * when its elapsed time plus the commit it will need reaches the budget.
   */
  #commitMsPerRow = INITIAL_COMMIT_MS_PER_ROW;

  constructor(sinks: CollectionSink[], options: EventApplierOptions) {
    this.#sinks = sinks;
    this.#byType = new Map(sinks.map((sink) => [sink.definition.type, sink]));
    this.#options = options;
    for (const sink of sinks) {
      for (const row of sink.rows.values()) {
        const seq = row._seq;
        if (typeof seq === "number" && seq >= this.#seq) this.#seq = seq + 1;
      }
    }
  }

  /** Whether the collections have caught up with the stream once. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Messages skipped as malformed or invalid. */
  get skipped(): number {
    return this.#skipped;
  }

  /**
   * Applies one batch, yielding between slices; commits at its end unless a
   * snapshot is still open, and marks the collections ready at the first
   * up-to-date batch.
   */
  async applyBatch(batch: JsonBatch<unknown>): Promise<void> {
    await this.applyItems(batch.items);
    await this.finishBatch(batch.upToDate);
  }

  /** Applies messages of the current batch, yielding between slices. */
  async applyItems(items: ReadonlyArray<unknown>): Promise<void> {
    let sliceStart = now();
    for (let i = 0; i < items.length; i++) {
      const pending = this.#applyOne(items[i]);
      if (pending) await pending;
      if (
        (!this.#staging &&
          this.#holding === undefined &&
          this.#uncommitted >= MAX_ROWS_PER_COMMIT) ||
        (i % CLOCK_EVERY === CLOCK_EVERY - 1 &&
          now() - sliceStart + this.#commitEstimate() >= this.#options.sliceBudgetMs)
      ) {
        if (this.#holding === undefined) this.#commit();
        await yieldToEventLoop();
        sliceStart = now();
      }
    }
  }

  /**
   * Ends a batch: commits unless a snapshot is still open; the first
   * up-to-date batch publishes the staged rows and marks ready.
   */
  async finishBatch(upToDate: boolean): Promise<void> {
    if (this.#holding === "reset" || (this.#holding === "snapshot" && upToDate)) {
      this.#holding = undefined;
    }
    if (this.#holding === undefined) this.#commit();
    if (upToDate && !this.#ready) {
      if (this.#staging) await this.#publishStaged();
      this.#ready = true;
      for (const sink of this.#sinks) sink.markReady();
    }
  }

  /**
   * Publishes every sink's staged rows in key order (each insert lands at the
   * end of TanStack DB's sorted keys), in commits below its re-sort size,
   * yielding whenever the slice budget is spent; then confirms the txids seen
   * while staging.
   */
  async #publishStaged(): Promise<void> {
    const budgetMs = this.#options.sliceBudgetMs;
    for (const sink of this.#sinks) {
      const keys = await sortedInSlices([...sink.rows.keys()], budgetMs);
      let sliceStart = now();
      let rows = 0;
      for (const key of keys) {
        sink.publish(key);
        rows++;
        if (
          rows >= MAX_ROWS_PER_PUBLISH ||
          (rows % CLOCK_EVERY === 0 && now() - sliceStart + rows * this.#commitMsPerRow >= budgetMs)
        ) {
          this.#measureCommit(rows, () => sink.commit());
          rows = 0;
          await yieldToEventLoop();
          sliceStart = now();
        }
      }
      this.#measureCommit(rows, () => sink.commit());
      sink.endStaging();
    }
    this.#staging = false;
    this.#commit();
  }

  /** What committing the rows written so far should cost (nothing while commits are held). */
  #commitEstimate(): number {
    return this.#holding === undefined && !this.#staging
      ? this.#uncommitted * this.#commitMsPerRow
      : 0;
  }

  /** Runs a commit of `rows` rows, learning the cost per row. */
  #measureCommit(rows: number, commit: () => void): void {
    const started = now();
    commit();
    if (rows >= CLOCK_EVERY) {
      const sample = (now() - started) / rows;
      // Rise at once (a stall is what we avoid), decay slowly.
      this.#commitMsPerRow =
        sample > this.#commitMsPerRow ? sample : 0.8 * this.#commitMsPerRow + 0.2 * sample;
    }
  }

  #commit(): void {
    const rows = this.#uncommitted;
    this.#uncommitted = 0;
    // Staged rows are not visible yet: their txids are confirmed once published.
    if (this.#staging) return;
    this.#measureCommit(rows, () => {
      for (const sink of this.#sinks) sink.commit();
    });
    const txids = this.#pendingTxids;
    if (txids.length === 0) return;
    this.#pendingTxids = [];
    for (const txid of txids) this.#options.txids.markSeen(txid);
  }

  #skip(reason: string): undefined {
    this.#skipped++;
    this.#options.logger.warn(`${LOG_PREFIX} StreamDB skipped a message: ${reason}`);
    return undefined;
  }

  /** Applies one message; returns a promise only when a schema validates asynchronously. */
  #applyOne(message: unknown): Promise<void> | undefined {
    const checked = validateStateEvent(message);
    if (!checked.ok) return this.#skip(checked.reason);
    if (checked.kind === "control") {
      this.#control(checked.event.headers.control);
      return undefined;
    }
    const event = checked.event;
    if (event.headers.txid !== undefined) this.#pendingTxids.push(event.headers.txid);
    this.#options.onEvent?.(event);
    const sink = this.#byType.get(event.type);
    if (!sink) return undefined; // types the schema does not declare are not this DB's
    const operation = event.headers.operation;
    if (operation === "delete") {
      this.#seq++;
      this.#uncommitted++;
      sink.write(event.key, "delete");
      return undefined;
    }
    if (typeof event.value !== "object" || event.value === null || Array.isArray(event.value)) {
      return this.#skip(`${sink.name} "${event.key}": StreamDB rows must be objects`);
    }
    if (!this.#options.validate) {
      this.#store(sink, event.key, operation, event.value as Row, false);
      return undefined;
    }
    const outcome = validateWith(sink.definition.schema, event.value);
    if (outcome instanceof Promise) {
      return outcome.then((result) => {
        if (!result.ok) this.#skip(`invalid ${sink.name} "${event.key}": ${result.message}`);
        else
          this.#store(
            sink,
            event.key,
            operation,
            result.value as Row,
            result.value !== event.value,
          );
      });
    }
    if (!outcome.ok) return this.#skip(`invalid ${sink.name} "${event.key}": ${outcome.message}`);
    this.#store(sink, event.key, operation, outcome.value as Row, outcome.value !== event.value);
    return undefined;
  }

  #store(
    sink: CollectionSink,
    key: string,
    operation: "insert" | "update" | "upsert",
    value: Row,
    owned: boolean,
  ): void {
    // The stream's key is the row's identity, whatever the value says. A value
    // the schema built afresh is ours to stamp; the message's own value is
    // copied, since `onEvent` may have kept the event.
    const row: Row = owned ? value : { ...value };
    row[sink.definition.primaryKey] = key;
    row._seq = this.#seq++;
    this.#uncommitted++;
    sink.write(key, operation, row);
  }

  #control(control: "snapshot-start" | "snapshot-end" | "reset"): void {
    switch (control) {
      case "reset":
        for (const sink of this.#sinks) sink.truncate();
        this.#holding ??= "reset";
        return;
      case "snapshot-start":
        // Publish what came before, then hold the snapshot until its end.
        if (this.#holding === undefined) this.#commit();
        this.#holding = "snapshot";
        return;
      case "snapshot-end":
        this.#holding = undefined;
        this.#commit();
        return;
    }
  }
}
