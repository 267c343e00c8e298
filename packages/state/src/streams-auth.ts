/**
 * Bearer-auth header resolution: `getStreamsAuth`.
 *
 * @module
 */
import { type EnvSource, readFirstEnv } from "./env-lookup.js";

/** The variables {@link getStreamsAuth} reads, in precedence order. */
export const STREAMS_SECRET_ENV_VARS: readonly string[] = Object.freeze([
  "STREAMS_SECRET",
  "DURABLE_STREAMS_SECRET",
]);

/**
 * Builds the auth headers for the durable-streams server:
 * `{ Authorization: "Bearer <secret>" }` from `STREAMS_SECRET` (or
 * `DURABLE_STREAMS_SECRET`), or `{}` when no secret is set.
 */
export function getStreamsAuth(env?: EnvSource): Record<string, string> {
  const found = readFirstEnv(STREAMS_SECRET_ENV_VARS, env);
  return found ? { Authorization: `Bearer ${found.value}` } : {};
}
