/**
 * `GET`/`HEAD {stream root}/__ds/registry`: reads of the registry stream
 * (every live mode), with the same read scope rules as any stream. Other
 * `__ds` paths this engine does not serve answer 404 `NOT_FOUND`.
 */

import type { Access } from "../auth/access.js";
import type { EngineContext } from "../context.js";
import { ProtocolError } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { headStream } from "../operations/head-stream.js";
import { readStream } from "../operations/read-stream.js";
import { REGISTRY_PATH } from "./registry-stream.js";

/** Whether a stream-root-relative path lies in the reserved `__ds` namespace. */
export function isReservedPath(path: string): boolean {
  return path.startsWith("__ds") && (path.length === 4 || path[4] === "/");
}

/** Serves the registry stream when enabled; 404 for other reserved paths, 405 for writes. */
export function serveRegistry(
  ctx: EngineContext,
  request: EngineRequest,
  access: Access,
  enabled: boolean,
): EngineResponse | Promise<EngineResponse> {
  if (!enabled || request.path !== REGISTRY_PATH) {
    throw new ProtocolError(404, "NOT_FOUND", `no such reserved route: ${request.path}`);
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    throw new ProtocolError(405, "METHOD_NOT_ALLOWED", "the registry is written by the server", {
      allow: "GET, HEAD, OPTIONS",
    });
  }
  access.require("read", REGISTRY_PATH);
  return request.method === "GET" ? readStream(ctx, request) : headStream(ctx, request);
}
