/**
 * `@durastream/state/db`: State Protocol streams as TanStack DB collections
 * (`createStreamDB`), with TanStack DB's query operators and helpers
 * re-exported, and everything of the root entry that `@durable-streams/state/db`
 * exposes. A drop-in for `@durable-streams/state/db` 0.3.1: change the import.
 * `@tanstack/db` is a peer dependency of this entry only.
 *
 * @packageDocumentation
 */

// Re-exported so apps resolve one copy of TanStack DB (types and runtime).
export type { Collection, SyncConfig } from "@tanstack/db";
export {
  and,
  avg,
  coalesce,
  concat,
  count,
  createCollection,
  createLiveQueryCollection,
  createOptimisticAction,
  createTransaction,
  deepEquals,
  eq,
  gt,
  gte,
  ilike,
  inArray,
  isNull,
  isUndefined,
  like,
  localOnlyCollectionOptions,
  lt,
  lte,
  max,
  min,
  not,
  or,
  queryOnce,
  sum,
  toArray,
} from "@tanstack/db";
export * from "./index.js";
export { createStreamDB, getStreamDBCollectionId } from "./stream-db/create-stream-db.js";
export type {
  ActionDefinition,
  ActionFactory,
  ActionFactoryContext,
  ActionMap,
  AnyActionDefinition,
  CollectionMap,
  CreateStreamDBOptions,
  ExtractCollectionType,
  StreamDB,
  StreamDBMethods,
  StreamDBSnapshot,
  StreamDBUtils,
  StreamDBWithActions,
  StreamDBWriteOptions,
} from "./stream-db/types.js";
