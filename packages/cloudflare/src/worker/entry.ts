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
    return jsonError(400, "BAD_REQUEST", "malformed percent-encoding in the stream path");
  }
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > config.maxBodyBytes) {
    return jsonError(413, "PAYLOAD_TOO_LARGE", `request body exceeds ${config.maxBodyBytes} bytes`);
  }
  const stub = env.STREAMS.getByName(target.path);
  if (request.method === "GET" && new URL(request.url).searchParams.get("live") === "sse") {
    return relaySse(request, stub, config);
  }
  return stub.fetch(request);
}
