/**
 * Gives the host a turn between slices of work, so timers, input and network
 * callbacks run while a large stream is being materialized.
 *
 * @module
 */

/**
 * Resolves after the event loop had a chance to run other tasks. Uses
 * `setImmediate` (Node: runs after I/O, unlike a microtask), else a
 * `MessageChannel` message (browsers, Workers: an ordinary task, not clamped
 * to 4 ms like nested `setTimeout`), else `setTimeout(0)`. Not
 * `scheduler.yield()`: its continuation runs ahead of the page's other tasks,
 * so a long materialization would starve timers and network callbacks.
 */
export function yieldToEventLoop(): Promise<void> {
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
