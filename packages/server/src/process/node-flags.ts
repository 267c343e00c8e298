/**
 * Node.js flags the server is meant to run with (`npm start` uses them).
 *
 * - `--max-semi-space-size=4`: a 4 MiB young generation instead of 16 MiB.
 *   Request garbage dies young either way; the smaller nursery keeps the
 *   heap a burst grows (and holds on to afterwards) tens of MiB smaller.
 * - `--expose-gc`: lets the server run one full collection once a burst is
 *   over, so V8 returns emptied pages (see `IdleRelease`).
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=4", "--expose-gc"] as const;
