/**
 * Admission in the Worker, before a request reaches an object, as the Node
 * server admits a request before its engine runs (`server/src/http/admission`):
 *
 * - **Rate limit** per client with Cloudflare's Rate Limiting binding
 *   (`RATE_LIMITER`, `ratelimits` in `wrangler.jsonc`): one call per request
 *   to the stream and Yjs routes, keyed like Node's limiter by the bearer
 *   credential when auth is on (its SHA-256, never the credential) or the
 *   client's address. Over the limit: `429 RATE_LIMITED` with `Retry-After`.
 *   Without the binding, no limit (Node's default is off too).
 * - **Live readers in total**: long-polls and SSE readers this Worker isolate
 *   holds, `503 OVERLOADED` with `Retry-After: 1` beyond `MAX_LIVE_READERS`.
 *   The per-stream cap is the stream's object's (`object/live-readers.ts`).
 */

import type { Config, Env } from "../config.js";
import { jsonError } from "./json-error.js";

/** `429 RATE_LIMITED` with `Retry-After`, or null when the client is under its limit. */
export async function rateLimited(
  request: Request,
  env: Env,
  config: Config,
): Promise<Response | null> {
  const limiter = env.RATE_LIMITER;
  if (limiter === undefined) return null;
  const { success } = await limiter.limit({ key: await clientKey(request, config) });
  if (success) return null;
  const response = jsonError(
    429,
    "RATE_LIMITED",
    `more requests than this deployment's rate limit allows per ${config.rateLimitPeriodSeconds} s`,
  );
  // The binding counts in fixed windows of its period: a window later the client has a fresh allowance.
  response.headers.set("retry-after", String(config.rateLimitPeriodSeconds));
  return response;
}

/**
 * The bearer credential's digest when auth is on and one is sent, else the
 * client's address (`CF-Connecting-IP`, set by Cloudflare's edge).
 */
async function clientKey(request: Request, config: Config): Promise<string> {
  const authorization = config.authenticated ? request.headers.get("authorization") : null;
  if (authorization !== null) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(authorization));
    return `t:${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
  }
  return `a:${request.headers.get("cf-connecting-ip") ?? "unknown"}`;
}

/** Live reads this isolate holds right now (module state: one count per isolate). */
let liveReaders = 0;

/** Whether `request` is a live read (long-poll or SSE). */
export function isLiveRead(request: Request): boolean {
  if (request.method !== "GET") return false;
  const live = new URL(request.url).searchParams.get("live");
  return live === "long-poll" || live === "sse";
}

/**
 * Takes a live-reader slot of this isolate: its release function (call once,
 * when the read ends), or the 503 that refuses it.
 */
export function admitLiveReader(config: Config): (() => void) | Response {
  if (liveReaders >= config.maxLiveReaders) return tooManyLiveReaders("the server");
  liveReaders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    liveReaders--;
  };
}

/** `503 OVERLOADED` with `Retry-After: 1`, the Node server's answer past a live-reader cap. */
export function tooManyLiveReaders(scope: "the server" | "this stream"): Response {
  const response = jsonError(503, "OVERLOADED", `too many live readers on ${scope}`);
  response.headers.set("retry-after", "1");
  return response;
}
