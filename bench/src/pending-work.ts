/**
 * What the bench is waiting on right now (client processes and the event each
 * is awaited for), so a scenario that runs past its time budget can say what
 * it was stuck on, and stop it instead of leaving it running.
 */

export interface PendingWork {
  /** One line: what runs, since when, and what is awaited from it. */
  describe(): string;
  /** Stops it (kills the process); idempotent. */
  abandon(): void;
}

const pending = new Set<PendingWork>();

/** Registers `work` until the returned function is called. */
export function registerPending(work: PendingWork): () => void {
  pending.add(work);
  return () => {
    pending.delete(work);
  };
}

export function describePending(): string[] {
  return [...pending].map((work) => work.describe());
}

/** Abandons everything still pending (after a scenario's deadline). */
export function abandonPending(): void {
  for (const work of [...pending]) work.abandon();
}
