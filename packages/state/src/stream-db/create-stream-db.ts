/**
 * `createStreamDB`: a State Protocol stream as TanStack DB collections, with
 * live queries and optimistic actions. Same options and behaviour as
 * `@durable-streams/state/db` 0.3.1, plus resume (`offset`, `from`,
 * `snapshot()`), schema validation of incoming rows, sliced application that
 * keeps the event loop responsive, and `utils.write` through an idempotent
 * producer.
 *
 * @module
 */
import { DurableStream, type JsonBatch, type StreamResponse } from "@durastream/client";
import {
  type Collection,
  createCollection,
  createOptimisticAction,
  type SyncConfig,
} from "@tanstack/db";
import { consoleLogger } from "../logger.js";
import type { StateEvent } from "../state-event.js";
import { assertCollections, type StreamStateDefinition } from "../state-schema.js";
import { CollectionSink } from "./collection-sink.js";
import { EventApplier } from "./event-applier.js";
import { jsonArrayPieces, parseJsonArraySliced } from "./sliced-json-array.js";
import { decodeSliced } from "./sliced-text-decode.js";
import { TransactionWriter } from "./transaction-writer.js";
import { TxidTracker } from "./txid-tracker.js";
import type {
  ActionDefinition,
  ActionFactoryContext,
  AnyActionDefinition,
  CreateStreamDBOptions,
  StreamDB,
  StreamDBMethods,
  StreamDBSnapshot,
  StreamDBWithActions,
} from "./types.js";

type Row = Record<string, unknown>;

/**
 * The TanStack DB collection id of a StreamDB collection. It names the stream
 * too, so the same collection name read from two streams stays two sources
 * when a query joins them.
 */
export function getStreamDBCollectionId(streamUrl: string, collectionName: string): string {
  return `stream-db:${streamUrl}:${collectionName}`;
}

function isAbortLike(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  return (
    error instanceof Error &&
    (error.name === "AbortError" || error.name === "FetchBackoffAbortError")
  );
}

/**
 * Creates a stream-backed database: one TanStack DB collection per schema
 * collection. Synchronous: nothing is fetched until `preload()` (or a live
 * query's first use of a collection) starts reading.
 *
 * @example
 * ```ts
 * const db = createStreamDB({
 *   streamOptions: { url, contentType: "application/json" },
 *   state: createStateSchema({ jobs: { schema: jobSchema, type: "job", primaryKey: "id" } }),
 * });
 * await db.preload();
 * const open = createLiveQueryCollection((q) =>
 *   q.from({ job: db.collections.jobs }).where(({ job }) => eq(job.status, "open")),
 * );
 * ```
 * @throws Error on a reserved collection name, a malformed definition or a duplicate type
 */
export function createStreamDB<
  TDef extends StreamStateDefinition,
  TActions extends Record<string, AnyActionDefinition> = Record<string, never>,
>(
  options: CreateStreamDBOptions<TDef, TActions>,
): TActions extends Record<string, never> ? StreamDB<TDef> : StreamDBWithActions<TDef, TActions> {
  const { state, live = true, onBeforeBatch, onBatch } = options;
  assertCollections(state);
  const stream =
    options.stream ??
    (() => {
      if (!options.streamOptions)
        throw new Error("createStreamDB requires stream or streamOptions");
      return new DurableStream(options.streamOptions);
    })();

  const sinks: CollectionSink[] = [];
  const collections: Record<string, Collection<Row, string>> = {};
  for (const [name, definition] of Object.entries(state)) {
    const sink = new CollectionSink(name, definition);
    for (const [key, row] of Object.entries(options.from?.collections[name] ?? {})) {
      if (typeof row === "object" && row !== null) sink.seed(key, row as Row);
    }
    sinks.push(sink);
    const primaryKey = definition.primaryKey;
    // State Protocol updates replace the entity (STATE-PROTOCOL.md section 6).
    const sync: SyncConfig<Row, string> = { sync: sink.sync, rowUpdateMode: "full" };
    collections[name] = createCollection({
      id: getStreamDBCollectionId(stream.url, name),
      schema: definition.schema as never,
      getKey: (item: Row) => String(item[primaryKey]),
      sync,
      startSync: true,
      gcTime: 0,
    }) as unknown as Collection<Row, string>;
  }

  const sliceBudgetMs = options.sliceBudgetMs ?? 4;
  const txids = new TxidTracker();
  const applier = new EventApplier(sinks, {
    validate: options.validate ?? true,
    logger: options.logger ?? consoleLogger,
    sliceBudgetMs,
    txids,
    onEvent: options.onEvent,
  });
  const writer = new TransactionWriter(stream, options.producerId, txids);
  const controller = new AbortController();
  let offset = options.from?.offset ?? options.offset ?? "-1";
  let started = false;
  let failure: Error | undefined;
  const readyWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  const settleReady = (error?: Error) => {
    const waiters = readyWaiters.splice(0);
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  };
  const fail = (error: Error) => {
    failure ??= error;
    txids.fail(failure);
    settleReady(failure);
  };

  const consume = async (response: StreamResponse<unknown>) => {
    // Bytes, decoded and parsed in slices: a catch-up page can hold megabytes of messages.
    const decoder = new TextDecoder();
    response.subscribeBytes(async (chunk) => {
      if (controller.signal.aborted) return;
      try {
        const { data, ...meta } = chunk;
        const text = await decodeSliced(decoder, data, sliceBudgetMs);
        if (onBeforeBatch || onBatch) {
          // The batch callbacks see every message of the batch at once.
          const items = await parseJsonArraySliced(text, sliceBudgetMs);
          const batch: JsonBatch<StateEvent> = { ...meta, items: items as StateEvent[] };
          onBeforeBatch?.(batch);
          await applier.applyBatch(batch);
          offset = batch.offset;
          onBatch?.(batch);
        } else {
          // Each piece is applied before the next is parsed.
          for await (const piece of jsonArrayPieces(text, sliceBudgetMs)) {
            await applier.applyItems(piece);
          }
          await applier.finishBatch(meta.upToDate);
          offset = meta.offset;
        }
        if (applier.ready) settleReady();
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        controller.abort();
      }
    });
    controller.signal.addEventListener("abort", () => response.cancel(), { once: true });
    await response.closed;
  };

  const start = () => {
    if (started) return;
    started = true;
    void (async () => {
      const response = await stream.stream<unknown>({
        offset,
        live,
        json: true,
        signal: controller.signal,
      });
      await consume(response);
    })().then(
      () => {
        // A read that ended (non-live, or the stream closed) without an error.
        if (!applier.ready && !failure) fail(new Error("StreamDB stream ended before catching up"));
      },
      (error: unknown) => {
        if (isAbortLike(error, controller.signal)) return;
        fail(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };

  const methods: StreamDBMethods = {
    stream,
    get offset() {
      return offset;
    },
    preload: () => {
      if (failure) return Promise.reject(failure);
      start();
      if (applier.ready) return Promise.resolve();
      return new Promise<void>((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    close: () => {
      fail(new Error("StreamDB closed"));
      controller.abort();
      void writer.detach();
    },
    utils: {
      awaitTxId: (txid, timeout) => txids.wait(txid, timeout),
      write: (events, writeOptions) => writer.write(events, writeOptions),
    },
    snapshot: (): StreamDBSnapshot => {
      const snapshot: StreamDBSnapshot = { offset, collections: {} };
      for (const sink of sinks) snapshot.collections[sink.name] = Object.fromEntries(sink.rows);
      return snapshot;
    },
  };

  const db = Object.create(null) as StreamDB<TDef> & { actions?: unknown };
  Object.defineProperty(db, "collections", { value: collections, enumerable: true });
  Object.defineProperties(db, Object.getOwnPropertyDescriptors(methods));

  if (options.actions) {
    const context: ActionFactoryContext<TDef> = {
      db,
      stream,
      get producer() {
        return writer.producer;
      },
    };
    const actions: Record<string, (params: unknown) => unknown> = {};
    for (const [name, definition] of Object.entries(options.actions(context))) {
      const { onMutate, mutationFn } = definition as ActionDefinition<unknown, unknown>;
      actions[name] = createOptimisticAction<unknown>({
        onMutate: (params) => onMutate(params),
        mutationFn: (params, context) => mutationFn(params, context),
      });
    }
    Object.defineProperty(db, "actions", { value: actions, enumerable: true });
  }
  return db as never;
}
