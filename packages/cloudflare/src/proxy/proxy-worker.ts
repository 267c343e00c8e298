/**
 * The Worker's side of the durable proxy (`/v1/proxy`, docs/proxy.md): every
 * proxy stream lives in the Durable Object named by its data stream's path
 * (`__ds/proxy/s/<id>`), which holds both of its streams (data and journal)
 * and makes the upstream call, so the call keeps running in the object that
 * writes it after the `201` is answered.
 *
 * A create names no stream yet: the Worker picks the id (a UUID, or the
 * session's id derived with the signing key, as the proxy itself would) and
 * passes it to that object in `PROXY_STREAM_ID_HEADER`, a header it always
 * removes from the client's request first.
 */

import { DATA_PREFIX, ProxySigner, proxyStreamId, STREAM_ID } from "@durastream/server-core";
import type { Config, Env } from "../config.js";
import { jsonError } from "../worker/json-error.js";
import { PROXY_PATH, proxySettings } from "./proxy-settings.js";

/** Internal header: the id the Worker chose for a create. Never taken from a client. */
export const PROXY_STREAM_ID_HEADER = "durastream-proxy-stream-id";

/** Object that answers proxy requests naming no stream (preflights, wrong methods, bad ids). */
const ROOT_OBJECT = "__ds/proxy";

/** Whether `pathname` is under the proxy's path. */
export function isProxyPath(pathname: string): boolean {
  return pathname === PROXY_PATH || pathname.startsWith(`${PROXY_PATH}/`);
}

/** Where a proxy request goes: its stream's object and the request to send it. */
export interface ProxyRoute {
  readonly stub: DurableObjectStub;
  readonly request: Request;
}

/**
 * Routes a request under `/v1/proxy`: the object of its stream and the
 * request for it (the Worker sends it as any stream request, live reads
 * through the same admission and SSE relay), or the Worker's own answer.
 */
export async function routeProxy(
  request: Request,
  env: Env,
  config: Config,
  pathname: string,
): Promise<ProxyRoute | Response> {
  const settings = proxySettings(env, config.secret);
  // As on Node: without an allowlist there is no proxy route.
  if (settings.kind === "off") return jsonError(404, "NOT_FOUND", `no stream route at ${pathname}`);
  if (settings.kind === "misconfigured") {
    console.error(`durastream: ${settings.message}`);
    return jsonError(500, "PROXY_NOT_CONFIGURED", settings.message);
  }
  if (config.anonymousWritesRefused && (request.method === "POST" || request.method === "DELETE")) {
    return jsonError(
      403,
      "ANONYMOUS_WRITES_DISABLED",
      "this deployment has no STREAMS_SECRET or token issuer; set one, or set STREAMS_ALLOW_ANONYMOUS_WRITES=1 to accept anonymous writes",
    );
  }
  const headers = new Headers(request.headers);
  headers.delete(PROXY_STREAM_ID_HEADER);
  const rest = pathname.slice(PROXY_PATH.length).replace(/^\//, "");
  let object = ROOT_OBJECT;
  if (rest === "" && request.method === "POST") {
    const signer = new ProxySigner(settings.signingKey);
    const id = await proxyStreamId(signer, request.headers.get("proxy-session-id"));
    headers.set(PROXY_STREAM_ID_HEADER, id);
    object = `${DATA_PREFIX}${id}`;
  } else if (STREAM_ID.test(rest)) {
    object = `${DATA_PREFIX}${rest}`;
  }
  return { stub: env.STREAMS.getByName(object), request: new Request(request, { headers }) };
}
