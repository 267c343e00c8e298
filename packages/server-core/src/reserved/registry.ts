/**
 * `GET`/`HEAD {stream root}/__ds/registry`: reads of the opt-in registry
 * stream of lifecycle events, in every live mode, with the same read scope
 * and token-expiry rules as any stream. Only the server writes it; when the
 * registry is off the route does not exist (404).
 */

import { boundLiveRead } from "../auth/live-expiry.js";
import { REGISTRY_PATH } from "../events/registry-stream.js";
import { ProtocolError } from "../http/errors.js";
import type { EngineResponse } from "../http/http-types.js";
import { headStream } from "../operations/head-stream.js";
import { readStream } from "../operations/read-stream.js";
import type { ReservedCall, ReservedRoute } from "./route-types.js";

function registryRead({
  ctx,
  request,
  access,
}: ReservedCall): EngineResponse | Promise<EngineResponse> {
  if (!ctx.registryEnabled) {
    throw new ProtocolError(404, "NOT_FOUND", `no such reserved route: ${request.path}`);
  }
  access!.require("read", REGISTRY_PATH);
  return boundLiveRead(request, access!, ctx.clock.now(), (bounded) =>
    bounded.method === "HEAD" ? headStream(ctx, bounded) : readStream(ctx, bounded),
  );
}

/** The registry route (POST, PUT and DELETE answer 405: the server writes it). */
export const registryRoutes: readonly ReservedRoute[] = [
  {
    pattern: "registry",
    methods: { GET: { handle: registryRead }, HEAD: { handle: registryRead } },
  },
];
