/**
 * `StateMaterializer`: a typed, transport-agnostic latest-value-per-key view
 * keyed by collection name. Feed it the JSON messages of a stream (from
 * `subscribeState`, an `EventSource`, a file...) and read typed values back.
 *
 * @module
 */
import type { Operation } from "./change-event.js";
import type { ControlType } from "./control-event.js";
import { consoleLogger, LOG_PREFIX, type StateLogger } from "./logger.js";
import { type ValidationOutcome, validateWith } from "./standard-validation.js";
import type { AnyStreamSchema, CollectionName, EntityOf } from "./state-schema.js";
import { indexCollectionsByType } from "./stream-schema.js";
import { validateStateEvent } from "./validate-state-event.js";

/** One applied change message, as seen by change listeners. */
export type AppliedChange<S extends AnyStreamSchema = AnyStreamSchema> = {
  [K in CollectionName<S>]: {
    kind: "change";
    collection: K;
    /** The State Protocol `type` of the message. */
    type: string;
    key: string;
    operation: Operation;
    /** The stored value (absent for deletes). */
    value?: EntityOf<S, K>;
    /** The value the key held before this change, if any. */
    previous?: EntityOf<S, K>;
  };
}[CollectionName<S>];

/** One applied control message (`reset` has already cleared the state). */
export interface AppliedControl {
  kind: "control";
  control: ControlType;
  offset?: string;
}

/** What applying messages did, in stream order. */
export type StateChange<S extends AnyStreamSchema = AnyStreamSchema> =
  | AppliedChange<S>
  | AppliedControl;

/** A serializable copy of materialized state with the offset it is valid at. */
export interface StateSnapshot {
  /** Resume reading from here to continue this state. */
  offset: string;
  /** collection name → key → value. */
  collections: Record<string, Record<string, unknown>>;
}

/** Options of {@link StateMaterializer}. */
export interface StateMaterializerOptions {
  /**
   * Validate change values with the collection's Standard Schema before applying
   * (STATE-PROTOCOL.md section 9.2); invalid changes are skipped with a warning.
   * Default `true`.
   */
  validate?: boolean;
  /** Receives warnings about skipped messages. Default `console.warn`. */
  logger?: StateLogger;
}

/**
 * Materializes State Protocol messages into typed collections: `insert`, `update`
 * and `upsert` store the value, `delete` removes the key, `reset` clears all.
 * Malformed messages and changes of unknown types are skipped (counted in
 * {@link StateMaterializer.skipped}), never thrown.
 */
export class StateMaterializer<S extends AnyStreamSchema = AnyStreamSchema> {
  readonly #schema: S;
  readonly #byType: Map<string, string>;
  readonly #data = new Map<string, Map<string, unknown>>();
  readonly #validate: boolean;
  readonly #logger: StateLogger;
  #applied = 0;
  #skipped = 0;

  constructor(schema: S, options: StateMaterializerOptions = {}) {
    this.#schema = schema;
    this.#byType = indexCollectionsByType(schema);
    this.#validate = options.validate ?? true;
    this.#logger = options.logger ?? consoleLogger;
    for (const name of Object.keys(schema)) this.#data.set(name, new Map());
  }

  /** Number of change messages applied so far. */
  get applied(): number {
    return this.#applied;
  }

  /** Number of messages skipped (malformed, unknown type, invalid value). */
  get skipped(): number {
    return this.#skipped;
  }

  /** The current value of `key` in `collection`, or `undefined`. */
  get<K extends CollectionName<S>>(collection: K, key: string): EntityOf<S, K> | undefined {
    return this.#data.get(collection)?.get(key) as EntityOf<S, K> | undefined;
  }

  /** All entities of `collection`, keyed by primary key (a live, read-only view). */
  all<K extends CollectionName<S>>(collection: K): ReadonlyMap<string, EntityOf<S, K>> {
    return (this.#data.get(collection) ?? new Map()) as ReadonlyMap<string, EntityOf<S, K>>;
  }

  /** Removes all entities. */
  clear(): void {
    for (const map of this.#data.values()) map.clear();
  }

  /** A serializable copy of the state, tagged with `offset`. */
  snapshot(offset: string): StateSnapshot {
    const collections: Record<string, Record<string, unknown>> = {};
    for (const [name, map] of this.#data) collections[name] = Object.fromEntries(map);
    return { offset, collections };
  }

  /** Replaces the state with a snapshot's (collections not in the schema are ignored). */
  restore(snapshot: StateSnapshot): void {
    this.clear();
    for (const [name, entries] of Object.entries(snapshot.collections)) {
      const map = this.#data.get(name);
      if (!map) continue;
      for (const [key, value] of Object.entries(entries)) map.set(key, value);
    }
  }

  #skip(reason: string): undefined {
    this.#skipped++;
    this.#logger.warn(`${LOG_PREFIX} message skipped: ${reason}`);
    return undefined;
  }

  #applyValidated(
    collection: string,
    message: { type: string; key: string; operation: Operation },
    outcome: ValidationOutcome<unknown> | undefined,
  ): StateChange<S> | undefined {
    const map = this.#data.get(collection)!;
    const previous = map.get(message.key);
    const change = {
      kind: "change",
      collection,
      type: message.type,
      key: message.key,
      operation: message.operation,
      previous,
    } as AppliedChange<AnyStreamSchema>;
    if (message.operation === "delete") {
      map.delete(message.key);
    } else {
      if (outcome === undefined) return this.#skip(`${collection} "${message.key}" has no value`);
      if (!outcome.ok)
        return this.#skip(`invalid ${collection} "${message.key}": ${outcome.message}`);
      map.set(message.key, outcome.value);
      change.value = outcome.value;
    }
    this.#applied++;
    return change as StateChange<S>;
  }

  /**
   * Applies one message. Returns what it did (or `undefined` if skipped), or a
   * promise of that when the collection schema validates asynchronously.
   */
  apply(message: unknown): StateChange<S> | undefined | Promise<StateChange<S> | undefined> {
    const checked = validateStateEvent(message);
    if (!checked.ok) return this.#skip(checked.reason);
    if (checked.kind === "control") {
      const { control, offset } = checked.event.headers;
      if (control === "reset") this.clear();
      return offset === undefined
        ? { kind: "control", control }
        : { kind: "control", control, offset };
    }
    const event = checked.event;
    const collection = this.#byType.get(event.type);
    if (collection === undefined) return this.#skip(`unknown type "${event.type}"`);
    const target = { type: event.type, key: event.key, operation: event.headers.operation };
    if (target.operation === "delete") return this.#applyValidated(collection, target, undefined);
    if (!this.#validate) {
      return this.#applyValidated(collection, target, { ok: true, value: event.value });
    }
    const definition = this.#schema[collection]!;
    const outcome = validateWith(definition.schema, event.value);
    if (outcome instanceof Promise) {
      return outcome.then((result) => this.#applyValidated(collection, target, result));
    }
    return this.#applyValidated(collection, target, outcome);
  }

  /**
   * Applies messages in order and returns what they did. Synchronous unless a
   * collection schema validates asynchronously; then later messages wait for it.
   */
  applyBatch(messages: ReadonlyArray<unknown>): StateChange<S>[] | Promise<StateChange<S>[]> {
    const changes: StateChange<S>[] = [];
    for (let i = 0; i < messages.length; i++) {
      const result = this.apply(messages[i]);
      if (result instanceof Promise) return this.#finishAsync(result, messages, i + 1, changes);
      if (result) changes.push(result);
    }
    return changes;
  }

  async #finishAsync(
    pending: Promise<StateChange<S> | undefined>,
    messages: ReadonlyArray<unknown>,
    next: number,
    changes: StateChange<S>[],
  ): Promise<StateChange<S>[]> {
    const first = await pending;
    if (first) changes.push(first);
    for (let i = next; i < messages.length; i++) {
      const result = await this.apply(messages[i]);
      if (result) changes.push(result);
    }
    return changes;
  }
}
