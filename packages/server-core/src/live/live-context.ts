/**
 * What live reads (long-poll, SSE) need beyond the engine context: the hub
 * where they wait, and the set of open live reads that shutdown ends.
 */

import type { EngineContext } from "../context.js";
import type { StreamHub } from "../ports/stream-hub.js";
import type { SharedRead } from "./shared-read.js";

/** The engine context of live reads. */
export interface LiveContext extends EngineContext {
  readonly hub: StreamHub<SharedRead>;
  /** Stop callbacks of every open live read, so shutdown can end them cleanly. */
  readonly liveReads: Set<() => void>;
}
