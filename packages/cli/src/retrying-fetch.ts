/**
 * A `fetch` that retries while the server cannot be reached (or answers 503)
 * for up to a budget, as the client's handles do for every other command:
 * `ls` against a restarting server behaves like `head` (docs/cli.md: retried
 * for 3 s), rather than giving up on the first refused connection.
 */

import { COMMAND_RETRY_BUDGET_MS } from "./target.js";

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1_000;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** `fetch` retried on network errors and 503 until `budgetMs` has passed. */
export function retryingFetch(
  budgetMs: number = COMMAND_RETRY_BUDGET_MS,
  base: typeof fetch = globalThis.fetch,
): typeof fetch {
  return async (input, init) => {
    const deadline = Date.now() + budgetMs;
    let delay = FIRST_DELAY_MS;
    for (;;) {
      const signal = init?.signal ?? undefined;
      try {
        const response = await base(input, init);
        if (response.status !== 503 || Date.now() + delay > deadline) return response;
        await response.body?.cancel();
      } catch (error) {
        // An abort is the user's; anything else thrown by fetch is the network.
        if (signal?.aborted || Date.now() + delay > deadline) throw error;
      }
      await sleep(delay, signal);
      if (signal?.aborted) throw signal.reason;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  };
}
