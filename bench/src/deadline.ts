/** The per-scenario time budget: past it the run fails loudly and its clients are stopped. */

import { abandonPending, describePending } from "./pending-work.js";

/**
 * Settles like `work`, or rejects after `ms` with an error naming `what` and
 * everything still awaited (which client, since when, which event), after
 * killing those clients: a stuck scenario neither hangs the bench nor leaves
 * processes behind.
 */
export function runWithDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const waiting = describePending();
      abandonPending();
      const stuckOn =
        waiting.length > 0
          ? `still waiting for: ${waiting.join("; ")}`
          : "no client process was pending (stuck in the bench process itself)";
      reject(new Error(`${what} timed out after ${ms / 1000} s; ${stuckOn}`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
