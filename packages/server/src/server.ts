/** Starts a durastream HTTP server: SQLite (or memory) store, engine, node:http. */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuthConfig,
  type CorsOrigins,
  DurableStreamsEngine,
  type EngineOptions,
  MemoryStore,
  type StreamEventHooks,
  type StreamStore,
} from "@durastream/server-core";
import { type Logger, pino } from "pino";
import { IdleRelease } from "./idle-release.js";
import { handleNodeRequest } from "./node-adapter.js";
import { ServerMetrics } from "./ops/metrics.js";
import { ObservedEngine } from "./ops/observed-engine.js";
import { handleOpsRequest, OPS_PATHS } from "./ops/ops-endpoints.js";
import { requestId } from "./ops/request-id.js";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";

/** Options of `startServer`. */
export interface ServerOptions extends EngineOptions, StreamEventHooks {
  /** Port to listen on; 0 picks a free one. Default 4437. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Data directory of the SQLite database. Default `./data`. */
  readonly dataDir?: string;
  /** Keep everything in memory (nothing survives a restart). */
  readonly memory?: boolean;
  /** URL path of the stream root. Default `/v1/stream`. */
  readonly basePath?: string;
  /** Shared bearer secret (full access), also the HS256 key of scoped tokens. */
  readonly secret?: string | undefined;
  /** Scoped tokens from other issuers: EdDSA / ES256 public keys or a JWKS URL. */
  readonly tokens?: Omit<AuthConfig, "secret">;
  /** Browser origins allowed to read responses. Default `*` without auth, none with it. */
  readonly corsOrigins?: CorsOrigins;
  /** Logger; default: silent. */
  readonly logger?: Logger;
  /** How long shutdown waits for in-flight requests before cutting connections. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** How often expired streams are swept, in ms. Default 5 s. */
  readonly sweepIntervalMs?: number;
  /** Quiet time after which memory a burst grew is released, in ms. Default 1 s. */
  readonly idleReleaseMs?: number;
  /** Keep the registry stream `__ds/registry` of stream lifecycle events. Default false. */
  readonly registry?: boolean;
  /** Serve Prometheus metrics at `/metrics`. Default true. */
  readonly metrics?: boolean;
  /**
   * How long `close()` keeps serving while `/readyz` already answers 503
   * (draining), so load balancers stop routing here first. Default 0.
   */
  readonly drainDelayMs?: number;
  /** Tuning of the SQLite store (checkpoints, mmap, tail cache). */
  readonly storage?: Omit<SqliteStoreOptions, "dataDir" | "onBackgroundError">;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4437`. Streams live at `${url}/v1/stream/<path>`. */
  readonly url: string;
  readonly port: number;
  readonly engine: DurableStreamsEngine;
  readonly store: StreamStore;
  readonly http: Server;
  /** The server's metrics registry (null when metrics are off). */
  readonly metrics: ServerMetrics | null;
  /** Starts draining: `/readyz` answers 503 while requests are still served. */
  drain(): void;
  /** Stops accepting, ends live readers cleanly, flushes and closes the store. */
  close(): Promise<void>;
}

/** Starts a server and resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: "silent" });
  const basePath = options.basePath ?? "/v1/stream";
  const store: StreamStore = options.memory
    ? new MemoryStore()
    : new SqliteStore({
        ...options.storage,
        dataDir: options.dataDir ?? "./data",
        onBackgroundError: (error) =>
          logger.error({ err: error }, "background storage work failed"),
      });
  const engine = new DurableStreamsEngine({
    ...options,
    store,
    basePath,
    secret: options.secret,
    onInternalError: (error, request) =>
      logger.error(
        { err: error, reqId: requestId(request), method: request.method, path: request.path },
        "request failed",
      ),
    onRejected: (_status, code) => metrics?.reject(code),
  });
  const sqlite = store instanceof SqliteStore ? store : null;
  const metrics =
    options.metrics === false
      ? null
      : new ServerMetrics(() => (sqlite ?? (store as MemoryStore)).streamCount());
  if (metrics) sqlite?.observeCommits((size, seconds) => metrics.commit(size, seconds));
  const handler = metrics
    ? new ObservedEngine(engine, metrics, logger, logger.isLevelEnabled("debug"))
    : engine;
  let draining = false;
  const readiness = {
    draining: () => draining,
    checkWritable: () => (sqlite ? sqlite.checkWritable() : Promise.resolve()),
  };
  try {
    await engine.auth.ready();
  } catch (error) {
    await store.close();
    throw error;
  }
  const idleRelease = new IdleRelease(
    { releaseMemory: () => (store instanceof SqliteStore ? store.releaseMemory() : undefined) },
    options.idleReleaseMs,
  );
  const http = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    idleRelease.touch();
    const target = req.url ?? "/";
    const pathname = target.split("?", 1)[0]!;
    const work = OPS_PATHS.has(pathname)
      ? handleOpsRequest(pathname, req, res, readiness, metrics?.registry ?? null)
      : handleNodeRequest(handler, basePath, req, res);
    work.catch((error: unknown) => {
      logger.error({ err: error }, "unhandled request error");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const sweepEvery = options.sweepIntervalMs ?? 5_000;
  const sweeper = setInterval(() => {
    engine
      .sweepExpired()
      .then((expired) => metrics?.sweep(expired))
      .catch((error: unknown) => logger.error({ err: error }, "expiry sweep failed"));
  }, sweepEvery);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 4437, options.host ?? "127.0.0.1", () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;
  logger.info({ url, basePath, memory: options.memory ?? false }, "durastream listening");

  const drain = () => {
    if (!draining) logger.info("draining: /readyz answers 503");
    draining = true;
  };
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    engine,
    store,
    http,
    metrics,
    drain,
    close() {
      closing ??= (async () => {
        drain();
        const drainDelay = options.drainDelayMs ?? 0;
        if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay));
        clearInterval(sweeper);
        idleRelease.stop();
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        engine.endLiveReads();
        // Connections turn idle as their last responses finish: close them as they do,
        // and cut whatever is still busy after the grace period.
        const reaper = setInterval(() => http.closeIdleConnections(), 25);
        const deadline = setTimeout(
          () => http.closeAllConnections(),
          options.shutdownGraceMs ?? 5_000,
        );
        http.closeIdleConnections();
        await closed;
        clearInterval(reaper);
        clearTimeout(deadline);
        await store.close();
        logger.info("durastream stopped");
      })();
      return closing;
    },
  };
}
