/**
 * The typed entity producer: `createDurableStream` and `DurableStreamProducer`.
 *
 * @module
 */
import { type HeadersRecord, IdempotentProducer } from "@durastream/client";
import type { ChangeEvent } from "./change-event.js";
import { StreamConnectError } from "./errors.js";
import { consoleLogger, LOG_PREFIX, type StateLogger } from "./logger.js";
import { openJsonStream } from "./open-json-stream.js";
import { withStreamsAuth } from "./request-headers.js";
import { type ValidationOutcome, validateWith } from "./standard-validation.js";
import {
  type AnyStreamSchema,
  type CollectionDefinition,
  type CollectionName,
  type EntityOf,
  primaryKeyOf,
} from "./state-schema.js";
import { buildStreamUrl, getStreamsUrl } from "./streams-url.js";

/**
 * How `upsert` is written to the stream:
 * - `"insert-or-update"` (default): `insert` the first time this producer writes a
 *   key (or after deleting it), `update` afterwards — only the spec's operations, so
 *   every event validates against the State Protocol JSON Schema;
 * - `"upsert"`: the `upsert` operation of `@durable-streams/state`.
 *
 * Every materializer stores the value for all three, so state is the same.
 */
export type UpsertOperationMode = "insert-or-update" | "upsert";

/** Options of {@link createDurableStream}. */
export interface DurableStreamProducerOptions<S extends AnyStreamSchema = AnyStreamSchema> {
  /** Stream path relative to the base URL, e.g. `/workers/executions`; the singleton key. */
  streamPath: string;
  /** The schema from `defineStreamSchema`; binds the producer to its collections. */
  schema: S;
  /** Stable producer identity for idempotent delivery; keep it stable across restarts. */
  producerId: string;
  /** Aborting cancels the connect; that is expected, not a failure. */
  signal?: AbortSignal;
  /** Stream root, e.g. `http://localhost:4437/v1/stream`; defaults to `getStreamsUrl()`. */
  baseUrl?: string;
  /** Extra request headers, merged over `getStreamsAuth()`. */
  headers?: HeadersRecord;
  /** Upper bound (ms) for connecting, retries included. Default 5000. */
  connectTimeoutMs?: number;
  /** Batching delay of the idempotent producer (ms). Default 5. */
  lingerMs?: number;
  /** Batch size limit of the idempotent producer (bytes). Default 1 MiB. */
  maxBatchBytes?: number;
  /**
   * Producer epoch. Defaults to the current time in ms, so a restarted process
   * always opens a newer session than the one before it (with auto-claim as the
   * fallback if the server already holds a higher epoch).
   */
  epoch?: number;
  /** How upserts are written. Default `"insert-or-update"`. */
  upsertOperation?: UpsertOperationMode;
  /** Called for every delivery error (they are also rethrown by the next `flush()`). */
  onError?: (error: Error) => void;
  /** Receives skip warnings. Default `console.warn`. */
  logger?: StateLogger;
}

/**
 * The implemented-by interface of entity producers: the same members as
 * {@link DurableStreamProducer} with the entity type widened to `string`.
 */
export interface StreamProducerPort {
  upsert(entityType: string, value: Record<string, unknown>): void;
  delete(entityType: string, key: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A typed, synchronous-write entity producer for one stream. */
export interface DurableStreamProducer<S extends AnyStreamSchema = AnyStreamSchema> {
  /**
   * Enqueues an upsert keyed by the collection's primary key. Skipped with a
   * warning if the collection is unknown, the key missing or empty, or the value
   * invalid for the collection schema.
   */
  upsert<K extends CollectionName<S>>(entityType: K, value: EntityOf<S, K>): void;
  /** Enqueues a delete by primary key. Skipped with a warning on an empty key or unknown collection. */
  delete<K extends CollectionName<S>>(entityType: K, key: string): void;
  /**
   * Waits until every enqueued write is acknowledged. Rethrows the connect error
   * if the producer never connected, and the first delivery error since the last
   * flush. Resolves (dropping the backlog with a warning) if the connect was aborted.
   */
  flush(): Promise<void>;
  /**
   * Flushes, detaches the idempotent producer without closing the durable stream
   * (a later producer can keep writing to it) and releases the singleton.
   */
  close(): Promise<void>;
  /** The stream path this producer owns. */
  readonly streamPath: string;
  /** Whether shutdown has begun; later upsert/delete calls are ignored. */
  readonly closed: boolean;
}

/**
 * A queued write: its validation outcome (possibly pending) and how to turn it
 * into a wire line. Lines are built in enqueue order, so insert/update choice
 * and key tracking follow the order of the calls even with async schemas.
 */
type Entry = {
  outcome: ValidationOutcome<unknown> | Promise<ValidationOutcome<unknown>>;
  build(outcome: ValidationOutcome<unknown>): string | undefined;
};

const ACCEPTED: ValidationOutcome<unknown> = { ok: true, value: undefined };

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

const registry = new Map<string, ProducerImpl>();

function registryKey(streamPath: string, baseUrl: string | undefined): string {
  let start = 0;
  while (start < streamPath.length && streamPath[start] === "/") start++;
  return `${baseUrl ?? ""}\u0000${streamPath.slice(start)}`;
}

class ProducerImpl implements DurableStreamProducer<AnyStreamSchema> {
  readonly streamPath: string;
  readonly producerId: string;
  readonly #options: DurableStreamProducerOptions;
  readonly #logger: StateLogger;
  readonly #registryKey: string;
  readonly #mode: UpsertOperationMode;
  readonly #connected: Promise<void>;
  readonly #entries: Entry[] = [];
  readonly #liveKeys = new Map<string, Set<string>>();
  readonly #deliveryErrors: Error[] = [];
  #producer: IdempotentProducer | undefined;
  #connectError: StreamConnectError | undefined;
  #aborted = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #pumping: Promise<void> | undefined;
  #warnedClosed = false;

  constructor(options: DurableStreamProducerOptions, key: string) {
    this.streamPath = options.streamPath;
    this.producerId = options.producerId;
    this.#options = options;
    this.#logger = options.logger ?? consoleLogger;
    this.#registryKey = key;
    this.#mode = options.upsertOperation ?? "insert-or-update";
    this.#connected = this.#connect();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #connect(): Promise<void> {
    const options = this.#options;
    let url: string;
    try {
      url = buildStreamUrl(options.streamPath, options.baseUrl ?? getStreamsUrl());
    } catch (error) {
      this.#connectError = new StreamConnectError(
        error instanceof Error ? error.message : String(error),
        undefined,
        error,
      );
      return;
    }
    const headers = withStreamsAuth(options.headers);
    const result = await openJsonStream({
      url,
      headers,
      signal: options.signal,
      timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    if (result.kind === "aborted") {
      this.#aborted = true;
      return;
    }
    if (result.kind === "failed") {
      this.#connectError = result.error;
      return;
    }
    this.#producer = new IdempotentProducer(result.stream, options.producerId, {
      epoch: options.epoch ?? Date.now(),
      autoClaim: true,
      lingerMs: options.lingerMs,
      maxBatchBytes: options.maxBatchBytes,
      onError: (error) => {
        this.#deliveryErrors.push(error);
        options.onError?.(error);
      },
    });
    void this.#pump();
  }

  #warn(message: string): void {
    this.#logger.warn(`${LOG_PREFIX} ${this.streamPath}: ${message}`);
  }

  #acceptsWrites(operation: string): boolean {
    if (!this.#closed) return true;
    if (!this.#warnedClosed) {
      this.#warnedClosed = true;
      this.#warn(`${operation} ignored: the producer is closed`);
    }
    return false;
  }

  #collection(entityType: string, operation: string): CollectionDefinition | undefined {
    const definition = Object.hasOwn(this.#options.schema, entityType)
      ? this.#options.schema[entityType]
      : undefined;
    if (!definition) this.#warn(`${operation} skipped: unknown collection "${entityType}"`);
    return definition;
  }

  #keysOf(type: string): Set<string> {
    let keys = this.#liveKeys.get(type);
    if (!keys) {
      keys = new Set();
      this.#liveKeys.set(type, keys);
    }
    return keys;
  }

  #upsertLine(definition: CollectionDefinition, key: string, value: unknown, at: string): string {
    let operation: ChangeEvent["headers"]["operation"] = "upsert";
    if (this.#mode === "insert-or-update") {
      const keys = this.#keysOf(definition.type);
      operation = keys.has(key) ? "update" : "insert";
      keys.add(key);
    }
    const event: ChangeEvent = {
      type: definition.type,
      key,
      value,
      headers: { operation, timestamp: at },
    };
    return JSON.stringify(event);
  }

  upsert(entityType: string, value: unknown): void {
    if (!this.#acceptsWrites("upsert")) return;
    const definition = this.#collection(entityType, "upsert");
    if (!definition) return;
    const key = primaryKeyOf(value, definition.primaryKey);
    if (key === undefined) {
      this.#warn(
        `upsert skipped: ${entityType} value has a missing or empty primary key "${definition.primaryKey}"`,
      );
      return;
    }
    const at = new Date().toISOString();
    const outcome = validateWith(definition.schema, value);
    const rejected = (message: string) =>
      this.#warn(`upsert skipped: invalid ${entityType} "${key}": ${message}`);
    if (!(outcome instanceof Promise) && !outcome.ok) {
      rejected(outcome.message);
      return;
    }
    this.#enqueue({
      outcome,
      build: (result) => {
        if (result.ok) return this.#upsertLine(definition, key, value, at);
        rejected(result.message);
        return undefined;
      },
    });
  }

  delete(entityType: string, key: string): void {
    if (!this.#acceptsWrites("delete")) return;
    const definition = this.#collection(entityType, "delete");
    if (!definition) return;
    if (typeof key !== "string" && typeof key !== "number") {
      this.#warn(`delete skipped: ${entityType} key must be a string`);
      return;
    }
    const finalKey = String(key);
    if (finalKey === "") {
      this.#warn(`delete skipped: empty ${entityType} key`);
      return;
    }
    const at = new Date().toISOString();
    this.#enqueue({
      outcome: ACCEPTED,
      build: () => {
        this.#liveKeys.get(definition.type)?.delete(finalKey);
        const event: ChangeEvent = {
          type: definition.type,
          key: finalKey,
          headers: { operation: "delete", timestamp: at },
        };
        return JSON.stringify(event);
      },
    });
  }

  /** Builds an entry's wire line; an unserializable value is skipped with a warning. */
  #line(entry: Entry, outcome: ValidationOutcome<unknown>): string | undefined {
    try {
      return entry.build(outcome);
    } catch (error) {
      this.#warn(`write skipped: value is not JSON-serializable: ${String(error)}`);
      return undefined;
    }
  }

  #enqueue(entry: Entry): void {
    const producer = this.#producer;
    if (producer && this.#entries.length === 0 && !(entry.outcome instanceof Promise)) {
      const line = this.#line(entry, entry.outcome);
      if (line !== undefined) producer.append(line);
      return;
    }
    this.#entries.push(entry);
    if (producer) void this.#pump();
  }

  /** Moves queued entries into the idempotent producer, in order. */
  #pump(): Promise<void> {
    if (!this.#pumping) {
      this.#pumping = (async () => {
        const producer = this.#producer;
        while (producer && this.#entries.length > 0) {
          const head = this.#entries[0]!;
          const outcome = head.outcome instanceof Promise ? await head.outcome : head.outcome;
          this.#entries.shift();
          const line = this.#line(head, outcome);
          if (line !== undefined) producer.append(line);
        }
      })().finally(() => {
        this.#pumping = undefined;
      });
    }
    return this.#pumping;
  }

  async flush(): Promise<void> {
    await this.#connected;
    if (this.#connectError) throw this.#connectError;
    if (this.#aborted || !this.#producer) {
      if (this.#entries.length > 0) {
        this.#warn(`connect aborted; dropping ${this.#entries.length} unsent write(s)`);
        this.#entries.length = 0;
      }
      return;
    }
    while (this.#pumping || this.#entries.length > 0) await this.#pump();
    await this.#producer.flush();
    const error = this.#deliveryErrors.shift();
    if (error) {
      this.#deliveryErrors.length = 0;
      throw error;
    }
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      if (registry.get(this.#registryKey) === this) registry.delete(this.#registryKey);
      this.#closing = (async () => {
        try {
          await this.flush();
        } finally {
          await this.#producer?.detach();
        }
      })();
    }
    return this.#closing;
  }
}

/**
 * Opens (or returns) the typed entity producer for `streamPath`.
 *
 * A singleton per stream path while open: calling it again with the same path
 * (and base URL) returns the live producer; a closed one is replaced. It starts
 * connecting at once — creating the JSON stream if it is missing — and writes
 * through an idempotent producer keyed by `producerId`, so retries never
 * duplicate and a restarted process with the same id resumes safely.
 *
 * @example
 * ```ts
 * const producer = createDurableStream({
 *   streamPath: "/workers/executions",
 *   schema: executionsSchema,
 *   producerId: "workers-service",
 * });
 * producer.upsert("execution", { id: "exec-1", status: "running", updatedAt: new Date().toISOString() });
 * producer.delete("execution", "exec-0");
 * await producer.flush();
 * ```
 */
export function createDurableStream<S extends AnyStreamSchema>(
  options: DurableStreamProducerOptions<S>,
): DurableStreamProducer<S> {
  if (typeof options.streamPath !== "string" || options.streamPath.replace(/^\/+/, "") === "") {
    throw new TypeError("createDurableStream: streamPath must be a non-empty path");
  }
  if (typeof options.producerId !== "string" || options.producerId === "") {
    throw new TypeError("createDurableStream: producerId must be a non-empty string");
  }
  if (typeof options.schema !== "object" || options.schema === null) {
    throw new TypeError("createDurableStream: schema is required (use defineStreamSchema)");
  }
  const key = registryKey(options.streamPath, options.baseUrl);
  const existing = registry.get(key);
  if (existing && !existing.closed) {
    if (existing.producerId !== options.producerId) {
      (options.logger ?? consoleLogger).warn(
        `${LOG_PREFIX} ${options.streamPath}: already open as producer "${existing.producerId}"; reusing it (ignoring "${options.producerId}")`,
      );
    }
    return existing as DurableStreamProducer<S>;
  }
  const producer = new ProducerImpl(options as DurableStreamProducerOptions, key);
  registry.set(key, producer);
  return producer as DurableStreamProducer<S>;
}
