/**
 * Health, readiness and metrics on Workers, outside the stream root, in the
 * Node server's shapes (docs/operations.md) where a Worker can honestly give
 * them:
 *
 * - `GET /healthz`: `200 {"status":"ok"}` from the Worker itself (it answers).
 * - `GET /readyz`: `200 {"status":"ready"}` when the registry object answers
 *   a read of its SQLite (one RPC), else `503 {"status":"unavailable"}`.
 *   Stream objects are each their own failure domain, so there is no single
 *   store to probe; the registry is the one object every deployment shares.
 * - `GET /metrics`: Prometheus text, the deployment as the registry sees it
 *   (streams, bytes, closed streams). Per-request counters are not kept: a
 *   Worker runs in many short-lived isolates whose counters would not add up;
 *   Cloudflare's Workers and Durable Objects analytics count requests, errors
 *   and CPU. With `STREAMS_SECRET` set, `/metrics` needs the secret (a Worker
 *   is public); the health routes never do.
 */

import { authenticateBearer, ProtocolError, securityHeaders } from "@durastream/server-core";
import type { Config, Env } from "../config.js";
import { REGISTRY_NAME } from "../registry/registry-entry.js";
import { jsonError } from "./json-error.js";

/** The answer of an operations route, or null when `pathname` is not one. */
export async function serveOps(
  request: Request,
  pathname: string,
  env: Env,
  config: Config,
): Promise<Response | null> {
  if (pathname !== "/healthz" && pathname !== "/readyz" && pathname !== "/metrics") return null;
  if (request.method !== "GET" && request.method !== "HEAD") {
    const refused = jsonError(405, "METHOD_NOT_ALLOWED", `${request.method} is not allowed here`);
    refused.headers.set("allow", "GET, HEAD");
    return refused;
  }
  if (pathname === "/healthz") return status(200, "ok");
  if (pathname === "/readyz") {
    try {
      await env.REGISTRY.getByName(REGISTRY_NAME).stats();
      return status(200, "ready");
    } catch (error) {
      console.error("durastream: readiness probe failed", error);
      return status(503, "unavailable");
    }
  }
  try {
    authenticateBearer(request.headers.get("authorization"), config.secret);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const refused = jsonError(error.status, error.code, error.message);
    for (const [name, value] of Object.entries(error.headers)) refused.headers.set(name, value);
    return refused;
  }
  let stats: { streams: number; bytes: number; closed: number };
  try {
    stats = await env.REGISTRY.getByName(REGISTRY_NAME).stats();
  } catch (error) {
    console.error("durastream: metrics could not reach the registry", error);
    return jsonError(503, "STORAGE_UNAVAILABLE", "the registry could not answer; retry shortly");
  }
  const text = [
    gauge(
      "durastream_streams",
      "Streams stored (as last reported to the registry).",
      stats.streams,
    ),
    gauge(
      "durastream_stream_bytes",
      "Bytes of the stored streams, from their last reported tails (lag: REGISTRY_REFRESH_MS).",
      stats.bytes,
    ),
    gauge("durastream_closed_streams", "Stored streams that are closed.", stats.closed),
  ].join("");
  return new Response(text, {
    status: 200,
    headers: {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "cache-control": "no-store",
      ...securityHeaders(),
    },
  });
}

function status(code: number, value: string): Response {
  return new Response(JSON.stringify({ status: value }), {
    status: code,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...securityHeaders(),
    },
  });
}

function gauge(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
}
