/**
 * What the vendored official Yjs conformance file (`yjs-conformance.ts`)
 * runs against. A test sets `yjsConformance.target` (and, to point the suite
 * at a Yjs server it started itself, `YJS_CONFORMANCE_URL`), then imports the
 * vendored file, which registers its suite at import time.
 */

import type { YjsProvider } from "@durable-streams/y-durable-streams";

/** A Durable Streams server the official Yjs server stands in front of. */
export interface StreamsServer {
  readonly url: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/** The servers and the provider the suite exercises. */
export interface YjsConformanceTarget {
  /** A not yet started Durable Streams server (used when `YJS_CONFORMANCE_URL` is unset). */
  streamsServer(): StreamsServer;
  /** The provider class the tests drive; the official `YjsProvider` when absent. */
  readonly Provider?: typeof YjsProvider;
}

/** Set by the importing test before it imports `yjs-conformance.ts`. */
export const yjsConformance: { target?: YjsConformanceTarget } = {};
