/**
 * `subscribeState`: an in-process consumer that materializes a State Protocol
 * stream (latest value per key), live. Uses only `fetch`-based client APIs, so it
 * runs unchanged in browsers, Node, Deno and Workers.
 *
 * @module
 */
import { type HeadersRecord, type LiveMode, stream } from "@durastream/client";
import { consoleLogger, LOG_PREFIX, type StateLogger } from "./logger.js";
import { withStreamsAuth } from "./request-headers.js";
import { type StateChange, StateMaterializer, type StateSnapshot } from "./state-materializer.js";
import type { AnyStreamSchema, CollectionName, EntityOf } from "./state-schema.js";
import { buildStreamUrl, getStreamsUrl } from "./streams-url.js";

/** Options of {@link subscribeState}. Give `url`, or `streamPath` (with optional `baseUrl`). */
export interface SubscribeStateOptions<S extends AnyStreamSchema> {
  /** Full stream URL. */
  url?: string;
  /** Stream path relative to `baseUrl` (default `getStreamsUrl()`). */
  streamPath?: string;
  /** Stream root, e.g. `http://localhost:4437/v1/stream`. */
  baseUrl?: string;
  /** The stream's schema; routes message `type`s to collections and validates values. */
  schema: S;
  /** Offset to start reading at (default: the beginning). Ignored when `from` is given. */
  offset?: string;
  /** Resume from a snapshot taken with {@link StateSubscription.snapshot}. */
  from?: StateSnapshot;
  /** `true` (default) tails the stream; `false` stops once caught up; or pick `"sse"` / `"long-poll"`. */
  live?: LiveMode;
  /** Cancels the subscription. */
  signal?: AbortSignal;
  /** Extra request headers, merged over `getStreamsAuth()`. */
  headers?: HeadersRecord;
  /** Validate values with the collection schemas (default `true`). */
  validate?: boolean;
  /** Called for every applied batch (same as {@link StateSubscription.onChange}). */
  onChange?: StateChangeListener<S>;
  /** Called once if the subscription fails. */
  onError?: (error: Error) => void;
  /** Receives warnings about skipped messages. Default `console.warn`. */
  logger?: StateLogger;
  /** Custom fetch implementation. */
  fetch?: typeof globalThis.fetch;
}

/** What one delivered batch changed. */
export interface StateChangeBatch<S extends AnyStreamSchema = AnyStreamSchema> {
  /** Applied changes and control messages, in stream order. */
  changes: StateChange<S>[];
  /** The offset after this batch: resume here. */
  offset: string;
  /** Whether the consumer has caught up with the stream's tail. */
  upToDate: boolean;
}

/** Listener of applied batches. */
export type StateChangeListener<S extends AnyStreamSchema = AnyStreamSchema> = (
  batch: StateChangeBatch<S>,
) => void;

/** A live, materialized view of a State Protocol stream. */
export interface StateSubscription<S extends AnyStreamSchema = AnyStreamSchema> {
  /** The current value of `key` in `collection`. */
  get<K extends CollectionName<S>>(collection: K, key: string): EntityOf<S, K> | undefined;
  /** All current entities of `collection`, keyed by primary key (live, read-only). */
  all<K extends CollectionName<S>>(collection: K): ReadonlyMap<string, EntityOf<S, K>>;
  /** Registers a batch listener; returns its unsubscribe function. */
  onChange(listener: StateChangeListener<S>): () => void;
  /** Resolves once caught up with the stream for the first time; rejects if the subscription fails first. */
  readonly ready: Promise<void>;
  /** Settles when the subscription ends: resolves on close/abort/end of a non-live read, rejects on failure. */
  readonly done: Promise<void>;
  /** Whether the view has caught up with the stream's tail. */
  readonly upToDate: boolean;
  /** The offset the view is valid at; pass it (with a snapshot) to resume. */
  readonly offset: string;
  /** Whether the producer closed the stream (no more changes will come). */
  readonly streamClosed: boolean;
  /** Number of change messages applied. */
  readonly applied: number;
  /** Number of messages skipped (malformed, unknown type, invalid value). */
  readonly skipped: number;
  /** The failure that ended the subscription, if any. */
  readonly error: Error | undefined;
  /** A serializable copy of the state at {@link StateSubscription.offset}. */
  snapshot(): StateSnapshot;
  /** Stops reading. */
  close(): void;
}

function deferred(): {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
} {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed by whoever awaits it
  return { promise, resolve, reject };
}

function resolveUrl(options: SubscribeStateOptions<AnyStreamSchema>): string {
  if (options.url) return options.url;
  if (!options.streamPath) throw new TypeError("subscribeState: give url or streamPath");
  return buildStreamUrl(options.streamPath, options.baseUrl ?? getStreamsUrl());
}

/**
 * Subscribes to a State Protocol stream and materializes it: the returned view
 * answers `get` / `all` with the latest value per key, calls change listeners
 * after every applied batch, and tracks `upToDate` and a resumable `offset`.
 * Returns immediately; await `ready` to wait for the catch-up.
 *
 * @example
 * ```ts
 * const view = subscribeState({ streamPath: "/workers/executions", schema: executionsSchema });
 * await view.ready;
 * view.get("execution", "exec-1");
 * view.onChange(({ changes }) => render(view.all("execution")));
 * ```
 */
export function subscribeState<S extends AnyStreamSchema>(
  options: SubscribeStateOptions<S>,
): StateSubscription<S> {
  const logger = options.logger ?? consoleLogger;
  const materializer = new StateMaterializer(options.schema, {
    validate: options.validate,
    logger,
  });
  const listeners = new Set<StateChangeListener<S>>();
  if (options.onChange) listeners.add(options.onChange);
  const ready = deferred();
  const done = deferred();
  const controller = new AbortController();
  let offset = options.from?.offset ?? options.offset ?? "-1";
  if (options.from) materializer.restore(options.from);
  let upToDate = false;
  let streamClosed = false;
  let failure: Error | undefined;
  let finished = false;

  const finish = (error?: Error) => {
    if (finished) return;
    finished = true;
    if (error && !controller.signal.aborted) {
      failure = error;
      ready.reject(error);
      done.reject(error);
      options.onError?.(error);
    } else {
      ready.resolve();
      done.resolve();
    }
    options.signal?.removeEventListener("abort", onAbort);
  };
  const onAbort = () => {
    controller.abort(options.signal?.reason);
    finish();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  const deliver = (changes: StateChange<S>[], batchOffset: string, batchUpToDate: boolean) => {
    offset = batchOffset;
    upToDate = batchUpToDate;
    if (listeners.size > 0 && (changes.length > 0 || batchUpToDate)) {
      const batch: StateChangeBatch<S> = { changes, offset, upToDate };
      for (const listener of listeners) {
        try {
          listener(batch);
        } catch (error) {
          logger.warn(`${LOG_PREFIX} change listener threw: ${String(error)}`);
        }
      }
    }
    if (upToDate) ready.resolve();
  };

  const run = async () => {
    const url = resolveUrl(options as SubscribeStateOptions<AnyStreamSchema>);
    const response = await stream({
      url,
      headers: withStreamsAuth(options.headers),
      offset,
      live: options.live ?? true,
      json: true,
      signal: controller.signal,
      fetch: options.fetch,
      warnOnHttp: false,
    });
    if (controller.signal.aborted) {
      response.cancel();
      return;
    }
    response.subscribeJson<unknown>((batch) => {
      if (controller.signal.aborted) return;
      streamClosed = batch.streamClosed;
      const applied = materializer.applyBatch(batch.items);
      if (applied instanceof Promise) {
        return applied.then((changes) => deliver(changes, batch.offset, batch.upToDate));
      }
      deliver(applied, batch.offset, batch.upToDate);
    });
    controller.signal.addEventListener("abort", () => response.cancel(), { once: true });
    await response.closed;
  };

  if (!finished) {
    run().then(
      () => finish(),
      (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
    );
  }

  return {
    get: (collection, key) => materializer.get(collection, key),
    all: (collection) => materializer.all(collection),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: ready.promise,
    done: done.promise,
    get upToDate() {
      return upToDate;
    },
    get offset() {
      return offset;
    },
    get streamClosed() {
      return streamClosed;
    },
    get applied() {
      return materializer.applied;
    },
    get skipped() {
      return materializer.skipped;
    },
    get error() {
      return failure;
    },
    snapshot: () => materializer.snapshot(offset),
    close() {
      if (!controller.signal.aborted) controller.abort();
      finish();
    },
  };
}
