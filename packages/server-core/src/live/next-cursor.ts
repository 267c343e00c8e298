/**
 * Live-read cursors for CDN collapsing (Section 10.1): the number of fixed
 * intervals since an epoch, never going backwards for a client that echoes
 * one.
 */

/** Default cursor interval: 20 seconds. */
export const CURSOR_INTERVAL_MS = 20_000;
/** Default cursor epoch: 2024-10-09T00:00:00Z. */
export const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);

const MIN_JITTER_SECONDS = 1;
const MAX_JITTER_SECONDS = 3600;

/**
 * The cursor for a live response at `now`. When the client echoed a cursor at
 * or past the current interval, the result is strictly greater than it (by a
 * random 1–3600 s jitter), so cache keys keep moving.
 */
export function nextCursor(
  now: number,
  clientCursor: string | null,
  random: () => number = Math.random,
): string {
  const interval = Math.floor((now - CURSOR_EPOCH_MS) / CURSOR_INTERVAL_MS);
  if (clientCursor === null || !/^\d{1,15}$/.test(clientCursor)) return String(interval);
  const echoed = Number(clientCursor);
  if (echoed < interval) return String(interval);
  const jitterSeconds =
    MIN_JITTER_SECONDS + Math.floor(random() * (MAX_JITTER_SECONDS - MIN_JITTER_SECONDS + 1));
  const jitterIntervals = Math.max(1, Math.ceil((jitterSeconds * 1000) / CURSOR_INTERVAL_MS));
  return String(echoed + jitterIntervals);
}
