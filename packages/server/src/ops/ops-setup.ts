/**
 * The production surface around the engine: metrics, request ids, the
 * health/readiness/metrics endpoints and draining. `startServer` builds it
 * and sends every request through `route`.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  AuthConfig,
  CorsOrigins,
  DurableStreamsEngine,
  EngineRequest,
} from "@durastream/server-core";
import type { Logger } from "pino";
import type { RateLimitOptions } from "../http/admission/rate-limit.js";
import type { CompressionOptions } from "../http/compression.js";
import type { ServerStore } from "../ports/server-store.js";
import { ServerMetrics } from "./metrics.js";
import { ObservedEngine } from "./observed-engine.js";
import { handleOpsRequest, OPS_PATHS, type Readiness } from "./ops-endpoints.js";
import { requestId } from "./request-id.js";

/** `startServer` options of the production features (see docs/operations.md). */
export interface OpsServerOptions {
  /** Scoped tokens from other issuers: EdDSA / ES256 public keys or a JWKS URL. */
  readonly tokens?: Omit<AuthConfig, "secret">;
  /** Browser origins allowed to read responses. Default `*` without auth, none with it. */
  readonly corsOrigins?: CorsOrigins;
  /** Keep the registry stream `__ds/registry` of stream lifecycle events. Default false. */
  readonly registry?: boolean;
  /**
   * Request and body-byte rates per bearer credential (per client address
   * without one). Default: not limited.
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Compress catch-up responses of textual streams for clients that accept
   * it (`true` for the defaults). Default: off.
   */
  readonly compression?: boolean | CompressionOptions;
  /** Serve Prometheus metrics at `/metrics`. Default true. */
  readonly metrics?: boolean;
  /**
   * How long `close()` keeps serving while `/readyz` already answers 503
   * (draining), so load balancers stop routing here first. Default 0.
   */
  readonly drainDelayMs?: number;
}

/** Metrics of a server, or null when they are turned off. */
export function createMetrics(enabled: boolean, store: ServerStore): ServerMetrics | null {
  if (!enabled) return null;
  const metrics = new ServerMetrics(() => store.streamCount());
  store.observeCommits?.((size, seconds) => metrics.commit(size, seconds));
  return metrics;
}

/** Logs an unexpected request failure under the request's id. */
export function logInternalError(logger: Logger): (error: unknown, request: EngineRequest) => void {
  return (error, request) =>
    logger.error(
      { err: error, reqId: requestId(request), method: request.method, path: request.path },
      "request failed",
    );
}

/** The engine with metrics, and the endpoints outside the stream root. */
export class OpsSurface {
  /** What the node adapter calls for stream requests. */
  readonly handler: Pick<DurableStreamsEngine, "handle">;
  #draining = false;
  readonly #readiness: Readiness;

  constructor(
    engine: DurableStreamsEngine,
    store: ServerStore,
    readonly metrics: ServerMetrics | null,
    private readonly logger: Logger,
  ) {
    this.handler = metrics
      ? new ObservedEngine(engine, metrics, logger, logger.isLevelEnabled("debug"))
      : engine;
    this.#readiness = {
      draining: () => this.#draining,
      checkWritable: () => store.checkWritable?.() ?? Promise.resolve(),
    };
  }

  /** Answers `/healthz`, `/readyz` and `/metrics`; null for any other request. */
  route(req: IncomingMessage, res: ServerResponse): Promise<void> | null {
    const target = req.url ?? "/";
    const query = target.indexOf("?");
    const pathname = query === -1 ? target : target.slice(0, query);
    if (!OPS_PATHS.has(pathname)) return null;
    return handleOpsRequest(pathname, req, res, this.#readiness, this.metrics?.registry ?? null);
  }

  /** Starts draining: `/readyz` answers 503 from now on. */
  drain(): void {
    if (!this.#draining) this.logger.info("draining: /readyz answers 503");
    this.#draining = true;
  }
}
