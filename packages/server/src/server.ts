/** Starts a durastream HTTP server: SQLite (or memory) store, engine, node:http. */

import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Clock,
  DurableStreamsEngine,
  type EngineOptions,
  MemoryStore,
  type StreamEventHooks,
  type StreamStore,
  type SubscriptionSettings,
  WakeHub,
} from "@durastream/server-core";
import { type Logger, pino } from "pino";
import type { RequestAdmission } from "./http/admission/admission.js";
import { BodyBudget } from "./http/admission/body-budget.js";
import { LiveReaderLimit } from "./http/admission/live-readers.js";
import { RateLimiter } from "./http/admission/rate-limit.js";
import { Compression } from "./http/compression.js";
import { IdleRelease } from "./http/idle-release.js";
import { LazyYjsRoutes } from "./http/lazy-yjs-routes.js";
import { resolveLimits, type ServerLimits } from "./http/limits.js";
import { handleNodeRequest, writeResponse } from "./http/node-adapter.js";
import { closeConnections, createNodeServer, listen } from "./http/node-server.js";
import { refuseRequestHead } from "./http/request-head.js";
import { ConsoleSite, defaultConsoleDir } from "./ops/console-site.js";
import type { ServerMetrics } from "./ops/metrics.js";
import {
  createMetrics,
  logInternalError,
  type OpsServerOptions,
  OpsSurface,
} from "./ops/ops-setup.js";
import { ExpirySweeper } from "./ports/expiry-sweeper.js";
import type { ServerStore } from "./ports/server-store.js";
import { nodeWebhookSender } from "./ports/webhook-sender.js";
import { type ProxyServerOptions, proxyConfig } from "./proxy/proxy-options.js";
import { ProxyRoute } from "./proxy/proxy-route.js";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite/sqlite-store.js";

/** Yjs documents live under this path (the official layout), beside the stream root. */
const YJS_BASE_PATH = "/v1/yjs";
const YJS_PREFIX = `${YJS_BASE_PATH}/`;

/** Options of `startServer`. */
export interface ServerOptions extends EngineOptions, StreamEventHooks, OpsServerOptions {
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
  /** Wall time (TTLs, expiry, cursors). Default: the system clock; tests inject one. */
  readonly clock?: Clock;
  /** Logger; default: silent. */
  readonly logger?: Logger;
  /** How long shutdown waits for in-flight requests before cutting connections. Default 5 s. */
  readonly shutdownGraceMs?: number;
  /** How often expired streams are swept, in ms. Default 5 s. */
  readonly sweepIntervalMs?: number;
  /** Quiet time after which memory a burst grew is released, in ms. Default 1 s. */
  readonly idleReleaseMs?: number;
  /**
   * Accept `http://localhost` / `http://127.0.0.x` webhook URLs (development
   * and tests; `--allow-localhost-webhooks`). Default false.
   */
  readonly allowLocalhostWebhooks?: boolean;
  /**
   * Origin clients reach this server at (`https://streams.example.com`), for
   * the callback and JWKS URLs of subscriptions. Default: each creating
   * request's `Host`, over http (set it behind a TLS-terminating proxy).
   */
  readonly publicUrl?: string;
  /** Subscription limits and policy (the sender and localhost setting come from the server). */
  readonly subscriptions?: Omit<
    SubscriptionSettings,
    "allowLocalhostWebhooks" | "webhookSender" | "onDeliveryFailure"
  >;
  /** Timeouts and caps on connections, live readers and request bodies (see `ServerLimits`). */
  readonly limits?: Partial<ServerLimits>;
  /** Tuning of the SQLite store (checkpoints, mmap, tail cache). */
  readonly storage?: Omit<SqliteStoreOptions, "dataDir" | "onBackgroundError">;
  /**
   * The web console: served at `path` (default `/`) from the built assets in
   * `dir` (default: those of the installed `@durastream/console`), or `false`
   * for none. Without built assets the server starts without it and logs why.
   */
  readonly console?: false | { readonly path?: string; readonly dir?: string };
  /** The durable proxy (docs/proxy.md); off unless an allowlist is given. */
  readonly proxy?: ProxyServerOptions;
  /**
   * Yjs documents at `/v1/yjs/{service}/docs/{doc}` (docs/yjs.md): bytes of
   * updates after a document's last snapshot that trigger a compaction.
   * Default 1 MiB.
   */
  readonly yjsCompactionThreshold?: number;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4437`. Streams live at `${url}/v1/stream/<path>`. */
  readonly url: string;
  readonly port: number;
  readonly engine: DurableStreamsEngine;
  readonly store: StreamStore;
  readonly http: Server;
  /** The server's metrics (null when turned off). */
  readonly metrics: ServerMetrics | null;
  /** Starts draining: `/readyz` answers 503 while requests are still served. */
  drain(): void;
  /** URL of the web console, or null when it is off or not built. */
  readonly consoleUrl: string | null;
  /** Drains (see `drainDelayMs`), then stops accepting, ends live readers cleanly, flushes and closes the store. */
  close(): Promise<void>;
}

/** Starts a server and resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: "silent" });
  const basePath = options.basePath ?? "/v1/stream";
  const limits = resolveLimits(options.limits);
  const consoleSite = await loadConsole(options, basePath, logger);
  const store = openStore(options, logger);
  const metrics = createMetrics(options.metrics ?? true, store);
  const sweeper = new ExpirySweeper(
    options.sweepIntervalMs ?? 5_000,
    (error) => logger.error({ err: error }, "expiry sweep failed"),
    (expired) => metrics?.sweep(expired),
  );
  const engine = createEngine(options, { store, sweeper, metrics, logger, basePath });
  const idleRelease = new IdleRelease(
    { releaseMemory: () => store.releaseMemory?.() },
    options.idleReleaseMs,
  );
  try {
    await Promise.all([engine.ready, engine.auth.ready()]);
    const interrupted = await engine.proxy?.recover();
    if (interrupted) logger.warn({ interrupted }, "closed proxy responses cut by the last stop");
  } catch (error) {
    sweeper.stop();
    engine.close();
    await store.close();
    throw error;
  }
  const ops = new OpsSurface(engine, store, metrics, logger);
  const admission = requestAdmission(options, limits, engine.auth.enabled, metrics);
  const proxyRoute = engine.proxy
    ? new ProxyRoute(engine.proxy, options.proxy?.path ?? "/v1/proxy", admission, options.publicUrl)
    : null;
  const yjs = new LazyYjsRoutes({
    // Requests go through the observed handler (metrics); trims straight to the engine.
    engine: {
      handle: (request, url) => ops.handler.handle(request, url),
      trimStream: (path, offset) => engine.trimStream(path, offset),
    },
    streamBasePath: basePath,
    secret: options.secret,
    compactionThreshold: options.yjsCompactionThreshold,
    onCompactionError: (error, doc) =>
      logger.error({ err: error, doc: `${doc.service}/${doc.docPath}` }, "yjs compaction failed"),
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    idleRelease.touch();
    const refused = refuseRequestHead(req, limits.maxHeaderCount);
    if (refused !== null) {
      writeResponse(res, refused);
      return;
    }
    // Health and metrics first: the console may be served at `/`.
    let work = ops.route(req, res) ?? proxyRoute?.route(req, res) ?? null;
    if (work === null) {
      if (consoleSite?.handle(req, res)) return;
      work = req.url?.startsWith(YJS_PREFIX)
        ? handleNodeRequest(yjs, YJS_BASE_PATH, req, res, admission)
        : handleNodeRequest(ops.handler, basePath, req, res, admission);
    }
    work.catch((error: unknown) => {
      logger.error({ err: error }, "unhandled request error");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const nodeServer = createNodeServer(limits, onRequest, logger);
  const { http, writeStalls } = nodeServer;
  const url = await listen(http, options.port ?? 4437, options.host ?? "127.0.0.1");
  logger.info({ url, basePath, memory: options.memory ?? false }, "durastream listening");

  let closing: Promise<void> | undefined;
  return {
    url,
    port: (http.address() as AddressInfo).port,
    engine,
    store,
    http,
    metrics,
    drain: () => ops.drain(),
    consoleUrl: consoleSite === undefined ? null : `${url}${consoleSite.path}`,
    close() {
      closing ??= (async () => {
        ops.drain();
        const drainDelay = options.drainDelayMs ?? 0;
        if (drainDelay > 0) await new Promise((resolve) => setTimeout(resolve, drainDelay));
        sweeper.stop();
        idleRelease.stop();
        writeStalls.stop();
        await closeConnections(nodeServer, options.shutdownGraceMs ?? 5_000, () =>
          engine.endLiveReads(),
        );
        // Upstream responses still arriving end as `interrupted` while the store is open.
        await engine.proxy?.stopAll();
        // A compaction under way finishes its writes before the store closes.
        await yjs.idle();
        engine.close();
        await store.close();
        logger.info("durastream stopped");
      })();
      return closing;
    },
  };
}

/** The store: in memory, or SQLite in the data directory. */
function openStore(options: ServerOptions, logger: Logger): ServerStore {
  if (options.memory) return new MemoryStore();
  return new SqliteStore({
    ...options.storage,
    dataDir: options.dataDir ?? "./data",
    onBackgroundError: (error) => logger.error({ err: error }, "background storage work failed"),
  });
}

/** What a request must pass before the engine sees it. */
function requestAdmission(
  options: ServerOptions,
  limits: ServerLimits,
  authEnabled: boolean,
  metrics: ServerMetrics | null,
): RequestAdmission {
  return {
    bodyBudget: new BodyBudget(limits.bodyBudgetBytes),
    liveReaders: new LiveReaderLimit(limits.maxLiveReaders, limits.maxLiveReadersPerStream),
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
    maxDrainBytes: limits.maxDrainBytes,
    rateLimit: options.rateLimit && new RateLimiter(options.rateLimit, authEnabled),
    onRefused: (code) => metrics?.reject(code),
    compression: options.compression
      ? new Compression(options.compression === true ? {} : options.compression)
      : undefined,
  };
}

async function loadConsole(
  options: ServerOptions,
  basePath: string,
  logger: Logger,
): Promise<ConsoleSite | undefined> {
  if (options.console === false) return undefined;
  const dir = options.console?.dir ?? defaultConsoleDir();
  if (dir === undefined) {
    logger.warn("web console not built (npm run build): serving streams only");
    return undefined;
  }
  const path = options.console?.path ?? "/";
  const mount = `${path.replace(/\/+$/, "")}/`;
  if (!path.startsWith("/") || mount.startsWith(`${basePath.replace(/\/+$/, "")}/`)) {
    if (options.console?.path === undefined) {
      logger.warn("web console off: the stream root takes the whole server (set --console-path)");
      return undefined;
    }
    throw new Error(`console path ${path} must start with / and lie outside the stream root`);
  }
  return ConsoleSite.load({ path, dir, basePath });
}

/** What the engine runs on, beside the server's options. */
interface EngineParts {
  readonly store: ServerStore;
  readonly sweeper: ExpirySweeper;
  readonly metrics: ServerMetrics | null;
  readonly logger: Logger;
  /** The stream root's URL path. */
  readonly basePath: string;
}

/** Builds the engine; throws on a malformed `publicUrl`. */
function createEngine(
  options: ServerOptions,
  { store, sweeper, metrics, logger, basePath }: EngineParts,
): DurableStreamsEngine {
  const allowLocalhostWebhooks = options.allowLocalhostWebhooks ?? false;
  if (options.publicUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(options.publicUrl)) {
    throw new Error(`public URL must be an http(s) origin, got "${options.publicUrl}"`);
  }
  // Every stream is in `store`, so the engine is its own fork peer; the
  // store supplies its subscription store (the SQLite one shares its commits).
  return new DurableStreamsEngine({
    ...options,
    store,
    hub: new WakeHub(),
    expiry: sweeper,
    subscriptions: {
      ...options.subscriptions,
      ...(options.publicUrl
        ? { publicRootUrl: `${options.publicUrl.replace(/\/+$/, "")}${basePath}` }
        : {}),
      allowLocalhostWebhooks,
      webhookSender: nodeWebhookSender(allowLocalhostWebhooks),
      onDeliveryFailure: (failure) =>
        logger.warn(
          { ...failure, nextAttemptAt: new Date(failure.nextAttemptAt).toISOString() },
          "webhook delivery failed; retry scheduled",
        ),
    },
    basePath,
    secret: options.secret,
    onInternalError: logInternalError(logger),
    onRejected: (_status, code) => metrics?.reject(code),
    proxy: proxyConfig(
      options.proxy,
      options.secret,
      options.memory ? null : (options.dataDir ?? "./data"),
      logger,
    ),
  });
}
