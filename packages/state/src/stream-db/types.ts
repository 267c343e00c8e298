/**
 * Public types of `@durastream/state/db`'s `createStreamDB`, shaped like
 * `@durable-streams/state/db` 0.3.1 so apps switch by changing the import.
 *
 * @module
 */
import type {
  DurableStream,
  DurableStreamOptions,
  IdempotentProducer,
  JsonBatch,
  LiveMode,
} from "@durastream/client";
import type { Collection, Transaction } from "@tanstack/db";
import type { ChangeEvent } from "../change-event.js";
import type { StateLogger } from "../logger.js";
import type { StateEvent } from "../state-event.js";
import type { StateSnapshot } from "../state-materializer.js";
import type { CollectionDefinition, StreamStateDefinition } from "../state-schema.js";

/** One optimistic action: `onMutate` changes collections at once, `mutationFn` persists. */
// biome-ignore lint/suspicious/noExplicitAny: the same defaults as @durable-streams/state's ActionDefinition
export interface ActionDefinition<TParams = any, TContext = any> {
  /** Applies the optimistic change (e.g. `db.collections.todos.insert(...)`); runs synchronously. */
  onMutate: (params: TParams) => void;
  /**
   * Persists the change. When it resolves the optimistic state is dropped (the
   * synced row must be there by then: await the txid); when it rejects the
   * optimistic change rolls back and the error reaches the caller.
   */
  mutationFn: (params: TParams, context: TContext) => Promise<unknown>;
}

/** Any action definition, whatever its parameter types. */
export type AnyActionDefinition = ActionDefinition<never, never>;

/** What an action factory receives. */
export interface ActionFactoryContext<TDef extends StreamStateDefinition> {
  /** The StreamDB being built (its collections, `utils.write`, `utils.awaitTxId`). */
  db: StreamDB<TDef>;
  /** The stream handle the DB reads. */
  stream: DurableStream;
  /** The DB's idempotent producer (created on first use); `db.utils.write` uses it. */
  readonly producer: IdempotentProducer;
}

/** Builds the actions of a StreamDB from its db and stream. */
export type ActionFactory<
  TDef extends StreamStateDefinition,
  TActions extends Record<string, AnyActionDefinition>,
> = (context: ActionFactoryContext<TDef>) => TActions;

/** Each action definition as the callable TanStack DB optimistic action: params in, transaction out. */
export type ActionMap<TActions extends Record<string, AnyActionDefinition>> = {
  [K in keyof TActions]: (params: Parameters<TActions[K]["onMutate"]>[0]) => Transaction;
};

/** A serializable copy of a StreamDB's synced rows with the offset they are valid at. */
export type StreamDBSnapshot = StateSnapshot;

/** Options of {@link createStreamDB}. */
export interface CreateStreamDBOptions<
  TDef extends StreamStateDefinition = StreamStateDefinition,
  TActions extends Record<string, AnyActionDefinition> = Record<string, never>,
> {
  /** Options of the stream handle to create. Ignored when `stream` is given. */
  streamOptions?: DurableStreamOptions;
  /** An existing stream handle to read (and write through). */
  stream?: DurableStream;
  /** Live mode of the reader: `true` (default), `"sse"`, `"long-poll"` or `false` (stop at the tail). */
  live?: LiveMode;
  /** The collections: `createStateSchema(...)`, `defineStreamSchema(...)` or a raw map. */
  state: TDef;
  /** Builds optimistic actions with access to the db and the stream. */
  actions?: ActionFactory<TDef, TActions>;
  /** Called for every change event read, in stream order. */
  onEvent?: (event: ChangeEvent) => void;
  /** Called for every batch read, before its events are applied. */
  onBeforeBatch?: (batch: JsonBatch<StateEvent>) => void;
  /** Called for every batch read, after its events are applied (its `offset` is then safe to save). */
  onBatch?: (batch: JsonBatch<StateEvent>) => void;
  /** durastream: start reading at this offset, with empty collections (default: the beginning). */
  offset?: string;
  /** durastream: resume from a {@link StreamDBMethods.snapshot}: its rows, then the stream from its offset. */
  from?: StreamDBSnapshot;
  /** durastream: validate values with the collection schemas; invalid changes are skipped (default `true`). */
  validate?: boolean;
  /** durastream: receives warnings about skipped messages (default `console.warn`). */
  logger?: StateLogger;
  /** durastream: producer id of `utils.write` (default a random `stream-db-…` id per DB). */
  producerId?: string;
  /** durastream: longest stretch (ms) spent applying events before yielding to the event loop (default 8). */
  sliceBudgetMs?: number;
}

/** The value type of a collection definition. */
export type ExtractCollectionType<T extends CollectionDefinition> =
  T extends CollectionDefinition<infer U> ? U : unknown;

/** One TanStack DB collection per schema collection, typed from the schema. */
export type CollectionMap<TDef extends StreamStateDefinition> = {
  [K in keyof TDef]: Collection<ExtractCollectionType<TDef[K]> & object, string>;
};

/** A StreamDB: typed collections plus its methods. */
export type StreamDB<TDef extends StreamStateDefinition> = {
  collections: CollectionMap<TDef>;
} & StreamDBMethods;

/** A StreamDB with its optimistic actions. */
export type StreamDBWithActions<
  TDef extends StreamStateDefinition,
  TActions extends Record<string, AnyActionDefinition>,
> = StreamDB<TDef> & { actions: ActionMap<TActions> };

/** Options of {@link StreamDBUtils.write}. */
export interface StreamDBWriteOptions {
  /** The txid stamped on every event (default a fresh UUID). */
  txid?: string;
  /** How long (ms) to wait for the events to come back through the stream (default 5000). */
  timeout?: number;
}

/** Utilities of a StreamDB. */
export interface StreamDBUtils {
  /**
   * Resolves once a change event carrying `txid` has been read and committed
   * into the collections; rejects after `timeout` ms (default 5000) or on close.
   */
  awaitTxId: (txid: string, timeout?: number) => Promise<void>;
  /**
   * durastream: stamps one txid on the change events, appends them through the
   * DB's idempotent producer, and resolves with the txid once they are read back
   * from the stream. Rejects with the server's refusal if the write fails (the
   * refused events are dropped, not retried later).
   */
  write: (
    events: ChangeEvent | ReadonlyArray<ChangeEvent>,
    options?: StreamDBWriteOptions,
  ) => Promise<string>;
}

/** Methods of a StreamDB. */
export interface StreamDBMethods {
  /** The stream handle the DB reads. */
  stream: DurableStream;
  /** The offset up to which events have been applied: save it (with `snapshot()`) to resume. */
  readonly offset: string;
  /** Starts reading (once) and resolves when the collections have caught up with the stream. */
  preload: () => Promise<void>;
  /** Stops reading; pending `preload` and `awaitTxId` calls reject. */
  close: () => void;
  /** Utilities (`awaitTxId`, `write`). */
  utils: StreamDBUtils;
  /** durastream: the synced rows and the offset they are valid at; pass it as `from` to resume. */
  snapshot: () => StreamDBSnapshot;
}
