/**
 * `defineStreamSchema`: the frozen, typed schema a producer and its consumers share.
 *
 * @module
 */
import { type CollectionDefinition, createStateSchema, type StateSchema } from "./state-schema.js";

/**
 * Defines a stream's collections, keyed by collection name, each
 * `{ schema, type, primaryKey }`. Returns a frozen {@link StateSchema}: every
 * collection carries its definition and its `insert` / `update` / `upsert` /
 * `delete` event helpers, and neither the map nor a collection can be mutated.
 *
 * @example
 * ```ts
 * export const executionsSchema = defineStreamSchema({
 *   execution: { schema: executionZodSchema, type: "execution", primaryKey: "id" },
 * });
 * ```
 * @throws Error on a reserved collection name, a malformed definition or a duplicate type
 */
export function defineStreamSchema<TDef extends Record<string, CollectionDefinition>>(
  collections: TDef,
): StateSchema<TDef> {
  const schema = createStateSchema(collections);
  for (const collection of Object.values(schema)) Object.freeze(collection);
  return Object.freeze(schema);
}

/** Maps each collection's State Protocol `type` to its collection name. */
export function indexCollectionsByType(
  schema: Record<string, CollectionDefinition>,
): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, definition] of Object.entries(schema)) index.set(definition.type, name);
  return index;
}
