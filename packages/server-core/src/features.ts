/**
 * The engine's features beside the protocol operations: retention trimming,
 * lifecycle events (hooks and the registry stream) and subscriptions. Each
 * is built once with what it uses, and hears of stream changes only through
 * the `StreamChanges` hooks wired here: adding a feature means building it
 * here and listening there, not reaching into the engine.
 */

import type { FeatureContext, StreamChanges } from "./context.js";
import { openRegistry } from "./events/registry-stream.js";
import { type StreamEventHooks, StreamEvents } from "./events/stream-events.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { StreamRecord } from "./ports/store.js";
import type { SubscriptionStore } from "./ports/subscription-store.js";
import type { WatchedStreams } from "./ports/watched-streams.js";
import { RetentionTrimmer } from "./retention/trimmer.js";
import { localWatchedStreams } from "./subscriptions/local-streams.js";
import { resolveSubscriptionOptions, type SubscriptionSettings } from "./subscriptions/settings.js";
import { Subscriptions } from "./subscriptions/subscriptions.js";
import { deliverWebhook } from "./subscriptions/webhook-delivery.js";

/** How the features are configured (part of `EngineConfig`). */
export interface FeatureConfig extends StreamEventHooks {
  /** Keep the registry stream `__ds/registry` of lifecycle events. Default false. */
  readonly registry?: boolean;
  /**
   * Where subscriptions are kept. Default: the store's own default (in memory
   * beside a `MemoryStore`); with a store that has none, subscriptions are off.
   */
  readonly subscriptionStore?: SubscriptionStore;
  /** Subscription policy and limits. */
  readonly subscriptions?: SubscriptionSettings;
  /**
   * The streams subscriptions watch, when they are not this engine's own
   * (a coordinator whose streams live elsewhere): the engine's stream
   * changes then do not reach its subscriptions; the runtime reports them.
   * Default: the engine's store.
   */
  readonly watchedStreams?: WatchedStreams;
  /**
   * Told once a create, an append or a removal is durable (a runtime whose
   * subscriptions are kept elsewhere forwards them there).
   */
  readonly onStreamChange?: (change: StreamChange) => void;
}

/** A durable stream change, as `onStreamChange` hears it. */
export interface StreamChange {
  readonly kind: "created" | "appended" | "removed";
  readonly path: string;
  /** The stream's tail after the change (0 when removed). */
  readonly tail: number;
  /** Where its own data starts (a fork's fork point, else 0). */
  readonly start: number;
}

/** The built features, and the hooks that tell them of stream changes. */
export interface Features {
  /** Background trimming; null when the store cannot trim (retention settings refused). */
  readonly retention: RetentionTrimmer | null;
  /** Subscriptions (Sections 6, 7); undefined when off. */
  readonly subscriptions: Subscriptions | undefined;
  /** Whether the registry stream `__ds/registry` is kept (and served). */
  readonly registryEnabled: boolean;
  readonly changes: StreamChanges;
}

/**
 * Builds the features over `ctx` (whose `wake` may only be called once the
 * engine is built: features call it after durable writes, never while built).
 * `onError` reports failures of background work and hooks.
 */
export function buildFeatures(
  config: FeatureConfig,
  ctx: FeatureContext & { readonly options: ResolvedEngineOptions },
  onError: (error: unknown) => void,
): Features {
  const retentionStore = ctx.store.retention;
  const retention = retentionStore ? new RetentionTrimmer(ctx, retentionStore) : null;
  const registryEnabled = config.registry === true;
  const events = new StreamEvents(
    config,
    onError,
    registryEnabled ? openRegistry(ctx, onError) : null,
  );
  const subscriptionStore = config.subscriptionStore ?? ctx.store.defaultSubscriptionStore?.();
  const remote = config.watchedStreams;
  const subscriptions = subscriptionStore
    ? new Subscriptions(
        ctx,
        subscriptionStore,
        remote ?? localWatchedStreams(ctx, onError),
        resolveSubscriptionOptions(config.subscriptions),
        deliverWebhook,
        onError,
      )
    : undefined;
  // Local subscriptions hear of changes in the change's own turn (same commit).
  const local = remote ? undefined : subscriptions;
  const told = config.onStreamChange;
  const tell = (kind: StreamChange["kind"], record: StreamRecord) =>
    told?.({
      kind,
      path: record.path,
      tail: kind === "removed" ? 0 : record.tail,
      start: record.fork?.position ?? 0,
    });
  const changes: StreamChanges = {
    created: (record) => local?.streamCreated(record.path, record.tail, record.fork?.position ?? 0),
    createDurable: (record) => {
      events.created(record);
      tell("created", record);
    },
    appended: (record) => local?.streamAppended(record.path, record.tail),
    appendDurable: (record) => {
      retention?.mayTrim(record);
      tell("appended", record);
    },
    removed: (record) => local?.streamRemoved(record.path),
    deleted: (record, reason, now) => {
      events.deleted(record, reason, now);
      tell("removed", record);
    },
    forkReleased: (source) => retention?.mayTrim(source),
  };
  return { retention, subscriptions, registryEnabled, changes };
}
