/** Webhook retry schedule (Section 7.1): exponential from 1 s up to 60 s, with 20 % jitter. */

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;
const JITTER = 0.2;

/**
 * Delay before retry number `attempt` (1 for the first retry): 1 s, 2 s,
 * 4 s, … capped at 60 s, each spread uniformly over ±20 %. `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, random: number): number {
  const base = Math.min(BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1), MAX_DELAY_MS);
  return Math.round(base * (1 + JITTER * (2 * random - 1)));
}
