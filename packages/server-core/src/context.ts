/** What every operation handler gets: the ports and the resolved options. */

import type { Authenticator } from "./auth/authenticator.js";
import type { StreamEvents } from "./events/stream-events.js";
import type { WakeHub } from "./live/hub.js";
import type { SharedRead } from "./live/shared-read.js";
import type { ResolvedEngineOptions } from "./options.js";
import type { StreamStore } from "./ports/store.js";
import type { ProducerOrder } from "./producers/producer-order.js";

/** The engine's ports and options, shared by the operation handlers. */
export interface EngineContext {
  readonly store: StreamStore;
  readonly hub: WakeHub<SharedRead>;
  readonly options: ResolvedEngineOptions;
  /** URL path of the stream root (e.g. `/v1/stream`), to resolve `Stream-Forked-From`. */
  readonly basePath: string;
  /** Stop callbacks of every open live read, so shutdown can end them cleanly. */
  readonly liveReads: Set<() => void>;
  /** In-flight producer requests, to apply them in sequence order. */
  readonly producerOrder: ProducerOrder;
  /** Authenticates requests; the reserved `__ds` routes call it themselves (see `auth/`). */
  readonly auth: Authenticator;
  /** Lifecycle hooks and the registry stream. */
  readonly events: StreamEvents;
}
