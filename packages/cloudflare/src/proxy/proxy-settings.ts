/**
 * The durable proxy's settings on Cloudflare (docs/proxy.md, docs/cloudflare.md):
 * the same names as the Node server's environment variables, read from the
 * Worker's `vars` and secrets.
 */

import { type ProxyConfig, UpstreamAllowlist } from "@durastream/server-core";
import { workersUpstreamFetcher } from "./workers-upstream.js";

/** The proxy's variables (part of the Worker's `Env`). */
export interface ProxyEnv {
  /** Comma-separated upstream URL globs (`https://api.openai.com/**`); the proxy is off without any. */
  readonly STREAMS_PROXY_ALLOWLIST?: string;
  /** `1` lets the proxy reach `localhost`, 127.0.0.x and ::1 (development and tests). */
  readonly STREAMS_PROXY_ALLOW_LOCALHOST?: string;
  /** Key of pre-signed URLs (a Worker secret). Default: `STREAMS_SECRET`. */
  readonly STREAMS_PROXY_SIGNING_KEY?: string;
  /** Lifetime of pre-signed URLs, seconds. Default 86400. */
  readonly STREAMS_PROXY_URL_TTL?: string;
  /** Time to the upstream's response headers before a 504, ms. Default 60000. */
  readonly STREAMS_PROXY_HEADER_TIMEOUT_MS?: string;
  /** Longest silence of an upstream body, ms. Default 600000. */
  readonly STREAMS_PROXY_IDLE_TIMEOUT_MS?: string;
  /** Longest upstream response, ms. Default 1800000. */
  readonly STREAMS_PROXY_MAX_DURATION_MS?: string;
  /** Largest upstream response kept, bytes. Default 64 MiB. */
  readonly STREAMS_PROXY_MAX_RESPONSE_BYTES?: string;
  /** Largest request body forwarded upstream, bytes. Default 8 MiB. */
  readonly STREAMS_PROXY_MAX_REQUEST_BYTES?: string;
  /**
   * How often a proxy stream's object checks on its upstream response, ms
   * (its alarm: keeps it alive while piping, and ends a response a restart
   * cut as `interrupted`). Default 30000.
   */
  readonly STREAMS_PROXY_WATCH_MS?: string;
}

/** Default of `STREAMS_PROXY_WATCH_MS`. */
export const DEFAULT_WATCH_MS = 30_000;

/** URL path of the proxy, as on Node. */
export const PROXY_PATH = "/v1/proxy";

/** What the settings say. */
export type ProxySettings =
  | { readonly kind: "off" }
  | { readonly kind: "misconfigured"; readonly message: string }
  | {
      readonly kind: "on";
      readonly config: ProxyConfig;
      readonly signingKey: string;
      /** Period of the watch alarm, ms. */
      readonly watchMs: number;
    };

const LIMITS = {
  urlTtlSeconds: "STREAMS_PROXY_URL_TTL",
  headerTimeoutMs: "STREAMS_PROXY_HEADER_TIMEOUT_MS",
  idleTimeoutMs: "STREAMS_PROXY_IDLE_TIMEOUT_MS",
  maxDurationMs: "STREAMS_PROXY_MAX_DURATION_MS",
  maxResponseBytes: "STREAMS_PROXY_MAX_RESPONSE_BYTES",
  maxRequestBytes: "STREAMS_PROXY_MAX_REQUEST_BYTES",
} as const satisfies Record<string, keyof ProxyEnv>;

/**
 * The proxy's configuration. Without a signing key (neither
 * `STREAMS_PROXY_SIGNING_KEY` nor `STREAMS_SECRET`) it is `misconfigured`:
 * a Worker has no disk to keep a generated key in, and a key made per
 * object would sign URLs no other object accepts.
 */
export function proxySettings(env: ProxyEnv, secret: string | undefined): ProxySettings {
  const allowlist = (env.STREAMS_PROXY_ALLOWLIST ?? "")
    .split(",")
    .map((glob) => glob.trim())
    .filter((glob) => glob !== "");
  if (allowlist.length === 0) return { kind: "off" };
  const signingKey = env.STREAMS_PROXY_SIGNING_KEY || secret;
  if (!signingKey) {
    return {
      kind: "misconfigured",
      message:
        "STREAMS_PROXY_ALLOWLIST is set but the proxy has no signing key: set the secret STREAMS_PROXY_SIGNING_KEY (or STREAMS_SECRET)",
    };
  }
  try {
    // Compiled here so that a bad entry disables the proxy (and says why)
    // instead of failing every stream object that builds its engine.
    new UpstreamAllowlist(allowlist);
  } catch (error) {
    return {
      kind: "misconfigured",
      message: `STREAMS_PROXY_ALLOWLIST: ${(error as Error).message}`,
    };
  }
  const allowLocalhost = env.STREAMS_PROXY_ALLOW_LOCALHOST;
  const limits: Record<string, number> = {};
  for (const [key, name] of Object.entries(LIMITS)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (!/^\d+$/.test(value) || Number(value) <= 0) {
      return {
        kind: "misconfigured",
        message: `${name} must be a positive integer, got "${value}"`,
      };
    }
    limits[key] = Number(value);
  }
  const watch = env.STREAMS_PROXY_WATCH_MS;
  if (watch !== undefined && watch !== "" && (!/^\d+$/.test(watch) || Number(watch) <= 0)) {
    return {
      kind: "misconfigured",
      message: `STREAMS_PROXY_WATCH_MS must be a positive integer, got "${watch}"`,
    };
  }
  return {
    kind: "on",
    signingKey,
    watchMs: watch ? Number(watch) : DEFAULT_WATCH_MS,
    config: {
      ...limits,
      allowlist,
      signingKey,
      fetcher: workersUpstreamFetcher(allowLocalhost === "1" || allowLocalhost === "true"),
      onOutcome: (event) => {
        // Workers logs: origin and path only, never a query or a credential (see ProxyOutcomeEvent).
        const log =
          event.outcome === "complete" || event.outcome === "aborted" ? console.log : console.warn;
        log("durastream: proxy response ended", JSON.stringify(event));
      },
    },
  };
}
