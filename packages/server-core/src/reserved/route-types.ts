/**
 * Routes of the reserved `{stream root}/__ds/...` namespace: protocol
 * extensions (subscriptions, JWKS, listing, registry), never application
 * streams. Each route group lives in its own file and is listed in
 * `route-table.ts`; the router never changes when a route is added.
 */

import type { Access } from "../auth/access.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import type { LiveContext } from "../live/live-context.js";
import type { Subscriptions } from "../subscriptions/subscriptions.js";

/**
 * What reserved routes get of the engine: its context, and the features the
 * routes serve (the authenticator, subscriptions, the registry switch).
 */
export interface ReservedContext extends LiveContext {
  /** Authenticates requests; the reserved routes apply it through the router. */
  readonly auth: Authenticator;
  /** Subscriptions (Sections 6, 7); undefined when off. */
  readonly subscriptions: Subscriptions | undefined;
  /** Whether the registry stream `__ds/registry` is kept (and served). */
  readonly registryEnabled: boolean;
}

/** What a reserved route handler gets. */
export interface ReservedCall {
  readonly ctx: ReservedContext;
  readonly request: EngineRequest;
  /** Values of the route pattern's `:name` and `*name` segments. */
  readonly params: Readonly<Record<string, string>>;
  /** The request's absolute URL without query. */
  readonly streamUrl: string;
  /**
   * What the request may do (`access.allows(operation, path)`), from the
   * server's authentication; null on `auth: "self"` routes.
   */
  readonly access: Access | null;
}

/** One method of a reserved route. */
export interface ReservedMethod {
  handle(call: ReservedCall): EngineResponse | Promise<EngineResponse>;
  /**
   * `"server"` (default): the server's authentication applies, as on stream
   * routes. `"self"`: the handler authenticates the request itself (a
   * subscription callback token, a public key set).
   */
  readonly auth?: "server" | "self";
}

/** A reserved route: a path pattern under `__ds/` and its methods. */
export interface ReservedRoute {
  /**
   * Segments after `__ds/`, separated by `/`: a literal, `:name` (one
   * segment) or, last, `*name` (one or more segments joined by `/`).
   * E.g. `streams`, `subscriptions/:id`, `subscriptions/:id/streams/*path`.
   */
  readonly pattern: string;
  /** Handlers by upper-case HTTP method; any other method answers 405. */
  readonly methods: Readonly<Record<string, ReservedMethod>>;
}
