/**
 * What the vendored official Yjs conformance file (`yjs-conformance.ts`)
 * runs against. A test sets `yjsConformance.target` (and, to point the suite
 * at a Yjs server it started itself, `YJS_CONFORMANCE_URL`), then imports the
 * vendored file, which registers its suite at import time.
 */

import type { YjsProvider } from "@durable-streams/y-durable-streams";
import type { TestAPI } from "vitest";

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
  /**
   * With `YJS_CONFORMANCE_URL`: the Durable Streams server that holds the
   * documents' streams (tests reach them directly), if the target has one.
   */
  readonly externalStreams?: StreamsServer;
  /** The provider class the tests drive; the official `YjsProvider` when absent. */
  readonly Provider?: typeof YjsProvider;
  /** Test names (the `it` title) to skip, each with the reason it does not apply. */
  readonly skip?: Readonly<Record<string, string>>;
}

/** Set by the importing test before it imports `yjs-conformance.ts`. */
export const yjsConformance: { target?: YjsConformanceTarget } = {};

/** Vitest's `it`, skipping the tests the target names in `skip`. */
export function conformanceIt(base: TestAPI): TestAPI {
  return new Proxy(base, {
    apply(target, self, args: unknown[]) {
      const name = args[0];
      if (typeof name === "string" && yjsConformance.target?.skip?.[name] !== undefined) {
        return Reflect.apply(target.skip, self, args);
      }
      return Reflect.apply(target, self, args);
    },
  });
}
