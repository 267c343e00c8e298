/**
 * What the operation handlers and features get from the engine: its ports,
 * its resolved options, and the stream-change hooks. Narrow on purpose: it
 * names ports and interfaces only, never a feature class, so every feature
 * (subscriptions, retention, lifecycle events) sits above it and hears of
 * changes through `StreamChanges` instead of being reached into.
 */

import type { ResolvedEngineOptions } from "./options.js";
import type { Clock } from "./ports/clock.js";
import type { ExpiryScheduler } from "./ports/expiry-scheduler.js";
import type { ForkPeer } from "./ports/fork-peer.js";
import type { StreamRecord, StreamStore } from "./ports/store.js";
import type { ProducerOrder } from "./producers/producer-order.js";

/**
 * What features hear of stream changes. The plain hooks run in the same
 * synchronous turn as the store mutation, so a feature's own writes there
 * share the change's commit; the `...Durable` and `deleted` hooks run once
 * the change is durable.
 */
export interface StreamChanges {
  /** A stream was created (same turn as the create). */
  created(record: StreamRecord): void;
  /** A create is durable. */
  createDurable(record: StreamRecord): void;
  /** Data was appended (same turn as the append; not called for a close-only request). */
  appended(record: StreamRecord): void;
  /** An append (data, close, or both) is durable. */
  appendDurable(record: StreamRecord): void;
  /** A stream is being removed or soft-deleted (same turn as the removal). */
  removed(record: StreamRecord): void;
  /** A stream went away for its clients (durable), once per stream: deleted or expired. */
  deleted(record: StreamRecord, reason: "deleted" | "expired", now: number): void;
  /** A fork of `source` was released: data it held back may be trimmed now. */
  forkReleased(source: StreamRecord): void;
}

/** The engine's ports and options, shared by the operation handlers. */
export interface EngineContext {
  readonly store: StreamStore;
  /** How forks reach their sources (this engine itself when they share the store). */
  readonly forks: ForkPeer;
  /**
   * Whether `forks` is this engine (every source in `store`): fork chains are
   * then walked in a loop over the store instead of hop by hop through the
   * peer, whose calls would nest once per ancestor and overflow the stack.
   */
  readonly localForks: boolean;
  /** Told when a stream with an expiry is created; null when the runtime sweeps on its own. */
  readonly expiry: ExpiryScheduler | null;
  readonly clock: Clock;
  readonly options: ResolvedEngineOptions;
  /** URL path of the stream root (e.g. `/v1/stream`), to resolve `Stream-Forked-From`. */
  readonly basePath: string;
  /** In-flight producer requests, to apply them in sequence order. */
  readonly producerOrder: ProducerOrder;
  /** Where features hear of stream changes. */
  readonly changes: StreamChanges;
  /**
   * Wakes the live readers of a stream after a durable change (data,
   * closure, deletion); the fan-out runs after the caller returns.
   */
  wake(streamId: number): void;
}

/** What a feature built beside the engine may use of it. */
export type FeatureContext = Pick<EngineContext, "store" | "clock" | "wake">;
