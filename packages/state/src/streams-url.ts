/**
 * Base-URL resolution for the state layer: `getStreamsUrl` and `buildStreamUrl`.
 *
 * @module
 */
import { type EnvSource, readFirstEnv } from "./env-lookup.js";
import { StreamsUrlNotConfiguredError } from "./errors.js";

/**
 * The variables {@link getStreamsUrl} reads, in precedence order:
 * the explicit server override, Aspire service discovery, then the Vite-exposed
 * browser forms.
 */
export const STREAMS_URL_ENV_VARS: readonly string[] = Object.freeze([
  "DURABLE_STREAMS_URL",
  "services__streams__http__0",
  "VITE_services__streams__http__0",
  "VITE_STREAMS_URL",
]);

/** The route streams live under on durastream and the official servers. */
export const STREAM_ROOT_PATH = "/v1/stream";

function trimTrailingSlashes(value: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === "/") end--;
  return value.slice(0, end);
}

/**
 * Resolves the durable-streams base URL (the stream root, e.g.
 * `http://localhost:4437/v1/stream`) from the environment.
 *
 * Precedence: `DURABLE_STREAMS_URL`, then `services__streams__http__0` (Aspire
 * discovery), then `VITE_services__streams__http__0`, then `VITE_STREAMS_URL`.
 * Variables are read from `env` when given, else from `process.env`,
 * `import.meta.env` and `Deno.env`. A bare origin such as
 * `http://localhost:4437` (what service discovery injects) resolves to its
 * stream root `http://localhost:4437/v1/stream`; a URL with a path is used as
 * is. A trailing slash is trimmed.
 *
 * @throws StreamsUrlNotConfiguredError when no variable is set or the value is not an http(s) URL
 */
export function getStreamsUrl(env?: EnvSource): string {
  const found = readFirstEnv(STREAMS_URL_ENV_VARS, env);
  if (!found) {
    throw new StreamsUrlNotConfiguredError(
      `No durable-streams URL configured: set DURABLE_STREAMS_URL (e.g. http://localhost:4437), ` +
        `or run under Aspire (services__streams__http__0), or for browser builds set ` +
        `VITE_services__streams__http__0 or VITE_STREAMS_URL; or pass baseUrl explicitly.`,
    );
  }
  let url: URL;
  try {
    url = new URL(found.value);
  } catch {
    throw new StreamsUrlNotConfiguredError(
      `${found.name} is not a valid URL: ${JSON.stringify(found.value)}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new StreamsUrlNotConfiguredError(
      `${found.name} must be an http(s) URL, got ${JSON.stringify(found.value)}`,
    );
  }
  const base = trimTrailingSlashes(found.value);
  return url.pathname === "/" || url.pathname === "" ? `${base}${STREAM_ROOT_PATH}` : base;
}

/**
 * Joins a stream path onto a base URL: `buildStreamUrl("/shipments", "http://h/v1/stream/")`
 * is `http://h/v1/stream/shipments`. Trailing slashes of the base and leading
 * slashes of the path are trimmed. Without `baseUrl`, the base is {@link getStreamsUrl}.
 *
 * @throws StreamsUrlNotConfiguredError when `baseUrl` is omitted and none resolves
 */
export function buildStreamUrl(path: string, baseUrl?: string): string {
  const base = trimTrailingSlashes(baseUrl ?? getStreamsUrl());
  let start = 0;
  while (start < path.length && path[start] === "/") start++;
  const relative = path.slice(start);
  return relative ? `${base}/${relative}` : base;
}
