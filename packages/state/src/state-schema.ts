/**
 * `createStateSchema`: typed collections with change-event helpers
 * (same shape as `@durable-streams/state`).
 *
 * @module
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ChangeEvent, Operation } from "./change-event.js";
import { formatIssues, isStandardSchema } from "./standard-validation.js";

/** Definition of one collection: an entity type stored under a primary key. */
export interface CollectionDefinition<T = unknown> {
  /** Standard Schema validating the collection's values (zod, valibot, arktype, ...). */
  schema: StandardSchemaV1<T>;
  /** The State Protocol `type` emitted for and routed to this collection. */
  type: string;
  /** Name of the property of the value that holds the entity's primary key. */
  primaryKey: string;
}

/** Extra headers a helper may stamp on an event (`operation` is set by the helper). */
export type EventHeaders = Omit<Record<string, string>, "operation">;

/** Helpers that build validated change events for one collection. */
export interface CollectionEventHelpers<T> {
  /** Builds an `insert` change event; the key defaults to `value[primaryKey]`. */
  insert: (params: { key?: string; value: T; headers?: EventHeaders }) => ChangeEvent<T>;
  /** Builds an `update` change event; the key defaults to `value[primaryKey]`. */
  update: (params: {
    key?: string;
    value: T;
    oldValue?: T;
    headers?: EventHeaders;
  }) => ChangeEvent<T>;
  /** Builds a `delete` change event; the key defaults to `oldValue[primaryKey]`. */
  delete: (params: { key?: string; oldValue?: T; headers?: EventHeaders }) => ChangeEvent<T>;
  /** Builds an `upsert` change event; the key defaults to `value[primaryKey]`. */
  upsert: (params: { key?: string; value: T; headers?: EventHeaders }) => ChangeEvent<T>;
}

/** A collection definition together with its event helpers. */
export type CollectionWithHelpers<T = unknown> = CollectionDefinition<T> &
  CollectionEventHelpers<T>;

/** The collections of a stream, keyed by collection name. */
export type StreamStateDefinition = Record<string, CollectionDefinition>;

/** The value type of a collection definition. */
export type CollectionValue<D> = D extends CollectionDefinition<infer U> ? U : unknown;

/** Any stream schema: `defineStreamSchema(...)`, `createStateSchema(...)` or a raw collection map. */
export type AnyStreamSchema = Record<string, CollectionDefinition>;

/** The collection names of a schema. */
export type CollectionName<S extends AnyStreamSchema> = keyof S & string;

/** The entity value type of collection `K` of schema `S`. */
export type EntityOf<S extends AnyStreamSchema, K extends CollectionName<S>> = CollectionValue<
  S[K]
>;

/** A state schema: every collection of `T` with its event helpers. */
export type StateSchema<T extends Record<string, CollectionDefinition>> = {
  [K in keyof T]: CollectionWithHelpers<CollectionValue<T[K]>>;
};

/**
 * Collection names rejected for compatibility with `@durable-streams/state`,
 * whose StreamDB exposes these as properties.
 */
export const RESERVED_COLLECTION_NAMES: ReadonlySet<string> = new Set([
  "collections",
  "preload",
  "close",
  "utils",
  "actions",
]);

/**
 * Reads the primary key of `value`: `String(value[primaryKey])`, or `undefined`
 * when the value is not an object or the key is missing, null or empty.
 */
export function primaryKeyOf(value: unknown, primaryKey: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const raw = (value as Record<string, unknown>)[primaryKey];
  if (raw === undefined || raw === null) return undefined;
  const key = String(raw);
  return key === "" ? undefined : key;
}

function validateSync<T>(
  schema: StandardSchemaV1<T>,
  value: unknown,
  eventType: string,
  what: string,
): void {
  const result = schema["~standard"].validate(value);
  if (typeof (result as { then?: unknown }).then === "function") {
    throw new Error(
      `Validation failed for ${eventType} ${what}: the schema validates asynchronously; event helpers need a synchronous schema`,
    );
  }
  const sync = result as StandardSchemaV1.Result<T>;
  if (sync.issues !== undefined) {
    throw new Error(`Validation failed for ${eventType} ${what}: ${formatIssues(sync.issues)}`);
  }
}

function createCollectionHelpers<T>(
  definition: CollectionDefinition<T>,
): CollectionEventHelpers<T> {
  const { type, primaryKey, schema } = definition;

  const keyFor = (operation: Operation, key: string | undefined, source: unknown): string => {
    const finalKey = key ?? primaryKeyOf(source, primaryKey);
    if (finalKey === undefined || finalKey === "") {
      const from = operation === "delete" ? "'oldValue'" : "a value";
      throw new Error(
        `Cannot create ${type} ${operation} event: must provide either 'key' or ${from} with a non-empty '${primaryKey}' field`,
      );
    }
    return finalKey;
  };

  const withValue =
    (operation: "insert" | "upsert") =>
    ({ key, value, headers }: { key?: string; value: T; headers?: EventHeaders }) => {
      validateSync(schema, value, type, operation);
      return {
        type,
        key: keyFor(operation, key, value),
        value,
        headers: { ...headers, operation },
      } satisfies ChangeEvent<T>;
    };

  return {
    insert: withValue("insert"),
    upsert: withValue("upsert"),
    update: ({ key, value, oldValue, headers }) => {
      validateSync(schema, value, type, "update");
      if (oldValue !== undefined) validateSync(schema, oldValue, type, "update (oldValue)");
      const event: ChangeEvent<T> = {
        type,
        key: keyFor("update", key, value),
        value,
        headers: { ...headers, operation: "update" },
      };
      if (oldValue !== undefined) event.old_value = oldValue;
      return event;
    },
    delete: ({ key, oldValue, headers }) => {
      if (oldValue !== undefined) validateSync(schema, oldValue, type, "delete (oldValue)");
      const event: ChangeEvent<T> = {
        type,
        key: keyFor("delete", key, oldValue),
        headers: { ...headers, operation: "delete" },
      };
      if (oldValue !== undefined) event.old_value = oldValue;
      return event;
    },
  };
}

/**
 * Checks a collection map: names not reserved, each definition well-formed,
 * and no two collections sharing a `type`.
 *
 * @throws Error describing the first problem found
 */
export function assertCollections(collections: Record<string, CollectionDefinition>): void {
  const typeToCollection = new Map<string, string>();
  for (const [name, definition] of Object.entries(collections)) {
    if (RESERVED_COLLECTION_NAMES.has(name)) {
      throw new Error(
        `Reserved collection name "${name}" - this would collide with StreamDB properties (${[...RESERVED_COLLECTION_NAMES].join(", ")})`,
      );
    }
    if (typeof definition !== "object" || definition === null) {
      throw new Error(`Collection "${name}" must be an object { schema, type, primaryKey }`);
    }
    if (typeof definition.type !== "string" || definition.type === "") {
      throw new Error(`Collection "${name}" needs a non-empty string 'type'`);
    }
    if (typeof definition.primaryKey !== "string" || definition.primaryKey === "") {
      throw new Error(`Collection "${name}" needs a non-empty string 'primaryKey'`);
    }
    if (!isStandardSchema(definition.schema)) {
      throw new Error(
        `Collection "${name}" needs a Standard Schema 'schema' (an object with '~standard.validate')`,
      );
    }
    const existing = typeToCollection.get(definition.type);
    if (existing !== undefined) {
      throw new Error(
        `Duplicate event type "${definition.type}" - used by both "${existing}" and "${name}" collections`,
      );
    }
    typeToCollection.set(definition.type, name);
  }
}

/**
 * Creates a state schema: each collection definition enhanced with
 * `insert` / `update` / `delete` / `upsert` helpers that validate the value
 * through its Standard Schema and derive the key from `primaryKey`.
 *
 * @example
 * ```ts
 * const schema = createStateSchema({
 *   users: { schema: userSchema, type: "user", primaryKey: "id" },
 * });
 * const event = schema.users.insert({ value: { id: "1", name: "Kyle" } });
 * ```
 * @throws Error on a reserved collection name, a malformed definition or a duplicate type
 */
export function createStateSchema<T extends Record<string, CollectionDefinition>>(
  collections: T,
): StateSchema<T> {
  assertCollections(collections);
  const enhanced: Record<string, CollectionWithHelpers> = {};
  for (const [name, definition] of Object.entries(collections)) {
    enhanced[name] = { ...definition, ...createCollectionHelpers(definition) };
  }
  return enhanced as StateSchema<T>;
}
