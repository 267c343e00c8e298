/**
 * The opt-in registry stream `__ds/registry`: a JSON stream of every
 * lifecycle event (`created`, `deleted`), readable like any stream (catch-up,
 * long-poll, SSE) by clients whose read scope covers `__ds/registry`, and
 * written only by the server. Tools such as the web console follow it
 * instead of polling the listing.
 */

import type { FeatureContext } from "../context.js";
import type { StreamRecord } from "../ports/store.js";
import type { StreamEvent } from "./stream-events.js";

/** Path of the registry stream, relative to the stream root. */
export const REGISTRY_PATH = "__ds/registry";

const encoder = new TextEncoder();

/**
 * Opens (creating on first use) the registry stream and appends each event
 * to it, in order. Returns the event listener.
 */
export function openRegistry(
  ctx: FeatureContext,
  onError: (error: unknown) => void,
): (event: StreamEvent) => void {
  const current = (): StreamRecord =>
    ctx.store.get(REGISTRY_PATH) ??
    ctx.store.create({
      path: REGISTRY_PATH,
      contentType: "application/json",
      ttlSeconds: null,
      expiresAt: null,
      now: ctx.clock.now(),
      initialData: null,
      closed: false,
      fork: null,
    });
  current();
  return (event) => {
    // Looked up per event: a store may evict and reload records.
    const record = current();
    // The stored form of a JSON message: the value and its separating comma.
    const data = encoder.encode(`${JSON.stringify(event)},`);
    ctx.store
      .append(record, {
        data,
        close: false,
        producer: null,
        streamSeq: null,
        now: ctx.clock.now(),
      })
      .then(() => ctx.wake(record.id), onError);
  };
}
