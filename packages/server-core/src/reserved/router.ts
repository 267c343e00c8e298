/**
 * Dispatch of the reserved `__ds` namespace, before stream operations
 * (Section 6): a path whose first segment is `__ds` is never an application
 * stream. Any other path under `__ds` is refused with 400 `RESERVED_PATH`
 * whatever the method (it can never name an application stream); a known
 * route with another method answers 405 with `Allow`.
 */

import type { Access } from "../auth/access.js";
import { ProtocolError } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import type { ReservedContext, ReservedMethod, ReservedRoute } from "./route-types.js";

/** First path segment of the reserved namespace. */
export const RESERVED_SEGMENT = "__ds";

/** Whether a stream-root-relative path lies in the reserved namespace. */
export function isReservedPath(path: string): boolean {
  return (
    path.startsWith(RESERVED_SEGMENT) &&
    (path.length === RESERVED_SEGMENT.length || path[RESERVED_SEGMENT.length] === "/")
  );
}

interface CompiledRoute {
  readonly route: ReservedRoute;
  readonly segments: readonly string[];
  readonly allow: string;
}

/** Matches reserved paths against a table of routes, first match wins. */
export class ReservedRouter {
  readonly #routes: readonly CompiledRoute[];

  constructor(routes: readonly ReservedRoute[]) {
    this.#routes = routes.map((route) => {
      const segments = route.pattern.split("/");
      segments.forEach((segment, i) => {
        if (segment === "" || (segment.startsWith("*") && i !== segments.length - 1)) {
          throw new Error(`invalid reserved route pattern: ${route.pattern}`);
        }
      });
      const allow = [...Object.keys(route.methods), "OPTIONS"].join(", ");
      return { route, segments, allow };
    });
  }

  /**
   * Handles a request whose path is reserved. `authenticate` applies the
   * server's authentication (throws when it fails) and gives the request's
   * access; it runs before any answer but those of routes that authenticate
   * themselves.
   */
  route(
    ctx: ReservedContext,
    request: EngineRequest,
    streamUrl: string,
    authenticate: () => Access | Promise<Access>,
  ): EngineResponse | Promise<EngineResponse> {
    const segments = request.path.split("/").slice(1);
    for (const compiled of this.#routes) {
      const params = match(compiled.segments, segments);
      if (params === null) continue;
      const method: ReservedMethod | undefined = compiled.route.methods[request.method];
      const run = (access: Access | null) => {
        if (!method) {
          throw new ProtocolError(
            405,
            "METHOD_NOT_ALLOWED",
            `method ${request.method} not allowed on ${request.path}`,
            { allow: compiled.allow },
          );
        }
        return method.handle({ ctx, request, params, streamUrl, access });
      };
      if (method?.auth === "self") return run(null);
      return afterAuthentication(authenticate(), run);
    }
    return afterAuthentication(authenticate(), () => {
      throw new ProtocolError(
        400,
        "RESERVED_PATH",
        `${request.path} is in the reserved __ds namespace and is not a control route`,
      );
    });
  }
}

/** Runs `next` with the access, at once when authentication needed no await. */
function afterAuthentication(
  access: Access | Promise<Access>,
  next: (access: Access) => EngineResponse | Promise<EngineResponse>,
): EngineResponse | Promise<EngineResponse> {
  return access instanceof Promise ? access.then(next) : next(access);
}

/** The pattern's parameters when `segments` match it, else null. */
function match(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    if (part.startsWith("*")) {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.some((segment) => segment === "")) return null;
      params[part.slice(1)] = rest.join("/");
      return params;
    }
    const segment = segments[i];
    if (segment === undefined || segment === "") return null;
    if (part.startsWith(":")) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return segments.length === pattern.length ? params : null;
}
