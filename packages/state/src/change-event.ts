/**
 * Change messages of the State Protocol (STATE-PROTOCOL.md section 4.1).
 *
 * @module
 */

/**
 * The operation a change message applies.
 *
 * `insert`, `update` and `delete` are the spec's operations; `upsert` is the
 * insert-or-update extension understood by `@durable-streams/state` and by every
 * materializer in this package (it stores the value, like `insert` and `update`).
 */
export type Operation = "insert" | "update" | "delete" | "upsert";

/** The operations defined by the State Protocol JSON Schema (no `upsert`). */
export const SPEC_OPERATIONS: readonly Operation[] = Object.freeze(["insert", "update", "delete"]);

/** Every operation a materializer in this package accepts. */
export const OPERATIONS: readonly Operation[] = Object.freeze([
  "insert",
  "update",
  "delete",
  "upsert",
]);

/** A JSON-compatible value (primitives, arrays, objects), optionally extended. */
export type Value<Extensions = never> =
  | string
  | number
  | boolean
  | bigint
  | null
  | Value<Extensions>[]
  | { [key: string]: Value<Extensions> }
  | Extensions;

/** A row: a record of values. */
export type Row<Extensions = never> = Record<string, Value<Extensions>>;

/** The `headers` object of a change message. */
export type ChangeHeaders = {
  /** The operation this change applies. */
  operation: Operation;
  /** Optional transaction identifier grouping related changes (opaque to clients). */
  txid?: string;
  /** Optional RFC 3339 time at which the change occurred. */
  timestamp?: string;
  /** Optional origin marker (accepted for `@durable-streams/state` compatibility). */
  from?: string;
  /** Optional stream offset (accepted for `@durable-streams/state` compatibility). */
  offset?: string;
};

/**
 * A change message: a state mutation of the entity identified by `type` + `key`.
 *
 * @typeParam T - the entity value type
 */
export type ChangeEvent<T = unknown> = {
  /** Entity type discriminator (routes the change to a collection). */
  type: string;
  /** Entity key, unique within `type`. */
  key: string;
  /** New value; required for `insert`, `update` and `upsert`. */
  value?: T;
  /** Previous value, for conflict detection or auditing. */
  old_value?: T;
  /** Operation metadata. */
  headers: ChangeHeaders;
};
