/**
 * The Worker and its Durable Objects on workerd, through the Miniflare API:
 * what `npm run dev:cloudflare` serves and what the tests run against.
 */

import type { Readable } from "node:stream";
import { Log, LogLevel, Miniflare } from "miniflare";
import { bundleWorker } from "./bundle.js";

/** Date of the Workers runtime behaviour the Worker is written for (as in `wrangler.jsonc`). */
export const COMPATIBILITY_DATE = "2026-04-20";

/** Options of `startLocalWorker`. */
export interface LocalWorkerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Default 8787. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Directory of the objects' SQLite files; absent: in memory, gone on stop. */
  readonly persistTo?: string;
  /**
   * `vars` of the Worker (as in `wrangler.jsonc`), e.g. `LONG_POLL_TIMEOUT_MS`.
   * `STREAMS_ALLOW_ANONYMOUS_WRITES` defaults to `1` here (local development
   * and tests); pass `""` to run as a deployment without it does.
   */
  readonly vars?: Record<string, string>;
  /** The bundle to run; built from source when absent. */
  readonly script?: string;
  /** The class bound as `STREAMS`. Default `DurableStreamObject`. */
  readonly objectClass?: string;
  /**
   * Cloudflare's Rate Limiting binding `RATE_LIMITER` (as `ratelimits` in
   * `wrangler.jsonc`): `limit` requests per client per `period` seconds.
   * Absent: no binding, no rate limit.
   */
  readonly rateLimit?: { readonly limit: number; readonly period: 10 | 60 };
  /**
   * Whether the `SUBSCRIPTIONS` binding (the coordinator) exists. Default
   * true; false runs a deployment configured without subscriptions.
   */
  readonly subscriptions?: boolean;
  /** workerd's own log level. Default: warnings and errors. */
  readonly logLevel?: LogLevel;
  /**
   * Receives workerd's stdout and stderr (the Worker's `console` output);
   * default: copied to this process's.
   */
  readonly stdio?: (stdout: Readable, stderr: Readable) => void;
}

/** A running local Worker. */
export interface LocalWorker {
  /** Base URL, e.g. `http://127.0.0.1:8787`; streams live under `${url}/v1/stream/`. */
  readonly url: string;
  readonly miniflare: Miniflare;
  /** Stops workerd (open connections are cut). */
  close(): Promise<void>;
}

/** Starts workerd with the Worker and resolves once it serves. */
export async function startLocalWorker(options: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const script = options.script ?? (await bundleWorker());
  const miniflare = new Miniflare({
    modules: [{ type: "ESModule", path: "worker.js", contents: script }],
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: {
      STREAMS: { className: options.objectClass ?? "DurableStreamObject", useSQLite: true },
      REGISTRY: { className: "StreamRegistry", useSQLite: true },
      ...(options.subscriptions === false
        ? {}
        : { SUBSCRIPTIONS: { className: "SubscriptionCoordinator", useSQLite: true } }),
    },
    durableObjectsPersist: options.persistTo ?? false,
    ...(options.rateLimit
      ? { ratelimits: { RATE_LIMITER: { simple: { ...options.rateLimit } } } }
      : {}),
    bindings: {
      STREAMS_ALLOW_ANONYMOUS_WRITES: "1",
      ...(options.rateLimit ? { RATE_LIMIT_PERIOD_SECONDS: String(options.rateLimit.period) } : {}),
      ...options.vars,
    },
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 8787,
    log: new Log(options.logLevel ?? LogLevel.WARN),
    ...(options.stdio === undefined ? {} : { handleRuntimeStdio: options.stdio }),
    // No network: the placeholder `request.cf` instead of fetching the real one.
    cf: false,
  });
  const ready = await miniflare.ready;
  const url = ready.origin;
  let closing: Promise<void> | undefined;
  return {
    url,
    miniflare,
    close: () => {
      closing ??= miniflare.dispose();
      return closing;
    },
  };
}
