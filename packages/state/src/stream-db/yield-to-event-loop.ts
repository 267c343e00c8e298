/**
 * Gives the host a turn between slices of work, so timers, input and network
 * callbacks run while a large stream is being materialized.
 *
 * @module
 */

type Scheduler = { yield?: () => Promise<void> };

/**
 * Resolves after the event loop had a chance to run other tasks. Prefers
 * `scheduler.yield()` (browsers), then `setImmediate` (Node: runs after I/O,
 * unlike a microtask), then a `MessageChannel` message (not clamped to 4 ms like
 * nested `setTimeout`), then `setTimeout(0)`.
 */
export function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof scheduler?.yield === "function") return scheduler.yield();
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") {
    const setImmediate = g.setImmediate;
    return new Promise((resolve) => setImmediate(resolve));
  }
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A monotonic clock in milliseconds. */
export const now: () => number =
  typeof performance === "object" && typeof performance.now === "function"
    ? () => performance.now()
    : () => Date.now();
