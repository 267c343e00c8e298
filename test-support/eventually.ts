/**
 * Waiting in tests for something another party does (a server's background
 * work, a worker's delivery, a client's reconnect): poll a check until it
 * holds, with a deadline so a test that waits in vain fails with a message
 * instead of its suite's timeout.
 */

/**
 * Resolves once `check` (sync or async) returns true, checking every
 * `intervalMs`; rejects after `timeoutMs`. Slow peers (workerd) want a
 * longer interval, so each check costs them less.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 10,
  /** What is awaited, for the error message. */
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Resolves once `condition` holds, checking after each turn of the event
 * loop: for in-process work that takes a few turns, not wall time.
 */
export async function afterTurns(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
