/**
 * The Worker: routes `/v1/stream/{path}` to the Durable Object named by the
 * path, so each object owns exactly one stream. Requests outside the stream
 * root and malformed paths are answered here without waking an object.
 */

import { type Config, type Env, readConfig } from "../config.js";
import { drainBody } from "../drain-body.js";
import { relaySse } from "../fanout/sse-relay.js";
import { engineRequest, fetchResponse } from "../object/http-bridge.js";
import { unwrap } from "../object/rpc-result.js";
import { isProxyPath, routeProxy } from "../proxy/proxy-worker.js";
import { REGISTRY_NAME } from "../registry/registry-entry.js";
import { COORDINATOR_NAME } from "../subscriptions/coordinator-rpc.js";
import { admitLiveReader, isLiveRead, rateLimited } from "./admission.js";
import { embeddedConsole, serveConsole } from "./console-site.js";
import { jsonError } from "./json-error.js";
import { serveOps } from "./ops-routes.js";
import { streamPath } from "./stream-path.js";
import { YJS_BASE_PATH, yjsRoutes } from "./yjs.js";

/** The Worker's fetch handler. */
export async function handleFetch(
  request: Request,
  env: Env,
  ctx?: Pick<ExecutionContext, "waitUntil">,
): Promise<Response> {
  const answer = (await rateLimitedRoute(request, env)) ?? (await routeWithYjs(request, env, ctx));
  // A body nobody read (an answer from the Worker itself) keeps the connection only once read.
  await drainBody(request);
  return answer;
}

/** The rate limit of the stream and Yjs routes (as on Node: not the console or the ops routes). */
function rateLimitedRoute(request: Request, env: Env): Promise<Response | null> | null {
  if (env.RATE_LIMITER === undefined) return null;
  const config = readConfig(env);
  const limited =
    streamPath(request.url, config.basePath).kind !== "outside" ||
    streamPath(request.url, YJS_BASE_PATH).kind !== "outside";
  return limited ? rateLimited(request, env, config) : null;
}

/** Yjs documents (`/v1/yjs/…`, docs/yjs.md) first: their routes call back into `route`. */
async function routeWithYjs(
  request: Request,
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil"> | undefined,
): Promise<Response> {
  const target = streamPath(request.url, YJS_BASE_PATH);
  if (target.kind === "outside") return route(request, env);
  if (target.kind === "malformed") return jsonError(400, "INVALID_REQUEST", target.message);
  const url = new URL(request.url);
  const routes = await yjsRoutes(
    readConfig(env),
    (inner) => route(inner, env),
    url.origin,
    async (path, offset) => unwrap(await env.STREAMS.getByName(path).trimStream(path, offset)),
  );
  const response = await routes.handle(engineRequest(request, target.path, url), request.url, {
    background: (work) => ctx?.waitUntil(work),
  });
  return fetchResponse(response);
}

async function route(request: Request, env: Env): Promise<Response> {
  const config = readConfig(env);
  const target = streamPath(request.url, config.basePath);
  if (target.kind === "outside") {
    if (isProxyPath(target.pathname)) {
      // The durable proxy (docs/proxy.md): each proxy stream in its own object.
      const routed = await routeProxy(request, env, config, target.pathname);
      if (routed instanceof Response) return routed;
      if (isLiveRead(routed.request)) return liveRead(routed.request, routed.stub, config);
      try {
        return await routed.stub.fetch(routed.request);
      } catch (error) {
        return unreachable(error);
      }
    }
    const ops = await serveOps(request, target.pathname, env, config);
    if (ops) return ops;
    const assets = embeddedConsole();
    const page = assets && serveConsole(request, target.pathname, assets, config.basePath);
    return page ?? jsonError(404, "NOT_FOUND", `no stream route at ${target.pathname}`);
  }
  if (target.kind === "malformed") {
    return jsonError(400, "BAD_REQUEST", target.message);
  }
  if (config.anonymousWritesRefused && !READ_METHODS.has(request.method)) {
    return jsonError(
      403,
      "ANONYMOUS_WRITES_DISABLED",
      "this deployment has no STREAMS_SECRET or token issuer; set one, or set STREAMS_ALLOW_ANONYMOUS_WRITES=1 to accept anonymous writes",
    );
  }
  if (target.path === `${RESERVED}/streams` && request.method !== "OPTIONS") {
    // The listing needs every stream's path: the registry object holds them.
    try {
      return await env.REGISTRY.getByName(REGISTRY_NAME).fetch(request);
    } catch (error) {
      return unreachable(error);
    }
  }
  if (isSubscriptionRoute(target.path)) {
    if (env.SUBSCRIPTIONS === undefined) {
      return jsonError(
        501,
        "SUBSCRIPTIONS_NOT_CONFIGURED",
        "subscriptions need the SUBSCRIPTIONS Durable Object binding (SubscriptionCoordinator)",
      );
    }
    // Subscriptions see many streams: the coordinator object runs them.
    try {
      return await env.SUBSCRIPTIONS.getByName(COORDINATOR_NAME).fetch(request);
    } catch (error) {
      return unreachable(error);
    }
  }
  const refused = notOnCloudflare(target.path);
  if (refused) return refused;
  // Body size, auth and every other rule are the engine's, in the object, in
  // the same order as on Node (a 401 before a 413).
  const stub = env.STREAMS.getByName(target.path);
  if (isLiveRead(request)) return liveRead(request, stub, config);
  try {
    return await stub.fetch(request);
  } catch (error) {
    return unreachable(error);
  }
}

/**
 * A long-poll or SSE read holds one of this isolate's live-reader slots
 * until it ends: a long-poll until the object answers, an SSE read until
 * its relay closes. The object applies the per-stream cap.
 */
async function liveRead(
  request: Request,
  stub: DurableObjectStub,
  config: Config,
): Promise<Response> {
  const release = admitLiveReader(config);
  if (release instanceof Response) return release;
  try {
    if (new URL(request.url).searchParams.get("live") === "sse") {
      return await relaySse(request, stub, config, release);
    }
    const answer = await stub.fetch(request);
    release();
    return answer;
  } catch (error) {
    release();
    return unreachable(error);
  }
}

/**
 * The stream's object threw instead of answering: it was reset (a write that
 * did not become durable, a deployment), or is overloaded. Nothing was
 * acknowledged, so the client may retry (an idempotent producer's retry is
 * deduplicated if the write did land).
 */
function unreachable(error: unknown): Response {
  const overloaded = (error as { overloaded?: boolean } | null)?.overloaded === true;
  console.error("durastream: the stream's object did not answer", error);
  const response = jsonError(
    503,
    overloaded ? "OVERLOADED" : "STORAGE_UNAVAILABLE",
    overloaded
      ? "the stream's object is overloaded; retry shortly"
      : "the stream's object could not answer; retry shortly",
  );
  response.headers.set("retry-after", "1");
  return response;
}

/** Methods that change nothing, served without credentials when no auth is configured. */
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** First segment of the reserved namespace: never an application stream. */
const RESERVED = "__ds";

/** `__ds/subscriptions[/...]` and `__ds/jwks.json`: the subscription coordinator's routes. */
function isSubscriptionRoute(path: string): boolean {
  return (
    path === `${RESERVED}/jwks.json` ||
    path === `${RESERVED}/subscriptions` ||
    path.startsWith(`${RESERVED}/subscriptions/`)
  );
}

/**
 * The registry stream `__ds/registry` needs every stream's lifecycle events
 * in one stream: on Cloudflare it would need a coordinating stream that does
 * not exist, so it is refused plainly rather than answered by one stream's
 * object with one stream's view. Other `__ds` paths go to an object like any
 * path, whose engine refuses them (auth, then 400 `RESERVED_PATH`) exactly as
 * on Node, writing nothing.
 */
const NOT_ON_CLOUDFLARE = ["registry"];

function notOnCloudflare(path: string): Response | null {
  const segments = path.split("/");
  if (segments[0] !== RESERVED || segments.length < 2) return null;
  const route = segments[1]!;
  if (!NOT_ON_CLOUDFLARE.includes(route)) return null;
  return jsonError(
    501,
    "NOT_IMPLEMENTED",
    `${RESERVED}/${route} is not available on the Cloudflare runtime yet (see docs/cloudflare.md)`,
  );
}
