/** What every operation handler gets: the ports and the resolved options. */

import type { Authenticator } from "./auth/authenticator.js";
import type { StreamEvents } from "./events/stream-events.js";
import type { SharedRead } from "./live/shared-read.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { Clock } from "./ports/clock.js";
import type { ExpiryScheduler } from "./ports/expiry-scheduler.js";
import type { ForkPeer } from "./ports/fork-peer.js";
import type { StreamStore } from "./ports/store.js";
import type { StreamHub } from "./ports/wake-hub.js";
import type { ProducerOrder } from "./producers/producer-order.js";
import type { RetentionTrimmer } from "./retention/trimmer.js";
import type { Subscriptions } from "./subscriptions/subscriptions.js";

/** The engine's ports and options, shared by the operation handlers. */
export interface EngineContext {
  readonly store: StreamStore;
  readonly hub: StreamHub<SharedRead>;
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
  /** Stop callbacks of every open live read, so shutdown can end them cleanly. */
  readonly liveReads: Set<() => void>;
  /** In-flight producer requests, to apply them in sequence order. */
  readonly producerOrder: ProducerOrder;
  /** Background trimming; null when the store cannot trim (retention settings refused). */
  retention: RetentionTrimmer | null;
  /** Authenticates requests; the reserved `__ds` routes call it themselves (see `auth/`). */
  readonly auth: Authenticator;
  /** Lifecycle hooks and the registry stream. */
  readonly events: StreamEvents;
  /** Subscriptions (Sections 6, 7), told about stream creates, appends and deletes; absent when off. */
  subscriptions: Subscriptions | undefined;
}
