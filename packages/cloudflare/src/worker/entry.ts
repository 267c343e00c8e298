/**
 * The Worker: routes `/v1/stream/{path}` to the Durable Object named by the
 * path, so each object owns exactly one stream. Requests outside the stream
 * root and malformed paths are answered here without waking an object.
 */

import { type Env, readConfig } from "../config.js";
import { relaySse } from "../fanout/sse-relay.js";
import { jsonError } from "./json-error.js";
import { streamPath } from "./stream-path.js";

/** The Worker's fetch handler. */
export async function handleFetch(request: Request, env: Env): Promise<Response> {
  const config = readConfig(env);
  const target = streamPath(request.url, config.basePath);
  if (target.kind === "outside") {
    return jsonError(404, "NOT_FOUND", `no stream route at ${target.pathname}`);
  }
  if (target.kind === "malformed") {
    return jsonError(400, "BAD_REQUEST", target.message);
  }
  if (target.path === RESERVED || target.path.startsWith(`${RESERVED}/`)) {
    return reservedRoute(target.path);
  }
  // Body size, auth and every other rule are the engine's, in the object, in
  // the same order as on Node (a 401 before a 413).
  const stub = env.STREAMS.getByName(target.path);
  if (request.method === "GET" && new URL(request.url).searchParams.get("live") === "sse") {
    return relaySse(request, stub, config);
  }
  return stub.fetch(request);
}

/** First segment of the reserved namespace: never an application stream. */
const RESERVED = "__ds";

/**
 * Routes of the reserved namespace the Node server has (or is getting) that
 * need to see more than one stream: on Cloudflare they need a coordinating
 * object that does not exist yet, so they are refused plainly rather than
 * answered by one stream's object with one stream's view.
 */
const NOT_ON_CLOUDFLARE = ["streams", "subscriptions", "jwks.json", "registry"];

function reservedRoute(path: string): Response {
  const route = path.split("/")[1] ?? "";
  if (NOT_ON_CLOUDFLARE.includes(route)) {
    return jsonError(
      501,
      "NOT_IMPLEMENTED",
      `${RESERVED}/${route} is not available on the Cloudflare runtime yet (see docs/cloudflare.md)`,
    );
  }
  return jsonError(404, "NOT_FOUND", `no route at ${RESERVED}/${route}`);
}
