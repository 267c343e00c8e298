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
import type { SubscriptionStore } from "./ports/subscription-store.js";
import { RetentionTrimmer } from "./retention/trimmer.js";
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
  const subscriptions = subscriptionStore
    ? new Subscriptions(
        ctx,
        subscriptionStore,
        resolveSubscriptionOptions(config.subscriptions),
        deliverWebhook,
        onError,
      )
    : undefined;
  const changes: StreamChanges = {
    created: (record) => subscriptions?.streamCreated(record),
    createDurable: (record) => events.created(record),
    appended: (record) => subscriptions?.streamAppended(record),
    appendDurable: (record) => retention?.mayTrim(record),
    removed: (record) => subscriptions?.streamRemoved(record.path),
    deleted: (record, reason, now) => events.deleted(record, reason, now),
    forkReleased: (source) => retention?.mayTrim(source),
  };
  return { retention, subscriptions, registryEnabled, changes };
}
