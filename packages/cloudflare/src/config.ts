/**
 * The Worker's configuration: bindings and `vars` from `wrangler.jsonc` (or
 * the Miniflare options of the local runner), with production defaults.
 */

import type { JWK } from "@durastream/server-core";
import type { StreamObjectRpc } from "./object/stream-object-rpc.js";
import type { ProxyEnv } from "./proxy/proxy-settings.js";
import type { StreamRegistryRpc } from "./registry/registry-rpc.js";
import type { SubscriptionCoordinatorRpc } from "./subscriptions/coordinator-rpc.js";

/** Bindings and variables of the Worker and its objects. */
export interface Env extends ProxyEnv {
  /** One `DurableStreamObject` per stream path. */
  readonly STREAMS: DurableObjectNamespace<StreamObjectRpc>;
  /** The one `StreamRegistry` (named `__ds`): the path index behind `GET __ds/streams`. */
  readonly REGISTRY: DurableObjectNamespace<StreamRegistryRpc>;
  /**
   * The one `SubscriptionCoordinator` (named `__ds`): subscriptions, webhooks,
   * pull-wake, JWKS. Without the binding subscriptions are off: their routes
   * answer `501 SUBSCRIPTIONS_NOT_CONFIGURED` and streams report nothing.
   */
  readonly SUBSCRIPTIONS?: DurableObjectNamespace<SubscriptionCoordinatorRpc>;
  /**
   * `1` accepts `http://localhost` / `http://127.0.0.x` webhook URLs
   * (development and tests only; the same switch as the Node server).
   */
  readonly STREAMS_ALLOW_LOCALHOST_WEBHOOKS?: string;
  /** Bearer secret every request must carry (a Worker secret, not a var). */
  readonly STREAMS_SECRET?: string;
  /** Same as `STREAMS_SECRET` (the name the seeds use). */
  readonly DURABLE_STREAMS_SECRET?: string;
  /**
   * Browser origins allowed to read responses, comma-separated, or `*`.
   * Default `*` without a secret, none with one.
   */
  readonly STREAMS_CORS_ORIGINS?: string;
  /** JWKS URL of scoped-token issuers (EdDSA / ES256). */
  readonly STREAMS_TOKEN_JWKS_URL?: string;
  /** Public keys of scoped-token issuers: a JSON array of JWKs. */
  readonly STREAMS_TOKEN_PUBLIC_KEYS?: string;
  /** Required `iss` claim of scoped tokens, when set (Node: `--token-issuer`). */
  readonly STREAMS_TOKEN_ISSUER?: string;
  /** Required `aud` claim of scoped tokens, when set (Node: `--token-audience`). */
  readonly STREAMS_TOKEN_AUDIENCE?: string;
  /** Long-poll wait before a 204, and the SSE keep-alive period, in ms. Default 20000. */
  readonly LONG_POLL_TIMEOUT_MS?: string;
  /** How long an SSE connection lives before the server closes it, in ms. Default 60000. */
  readonly SSE_MAX_CONNECTION_MS?: string;
  /** Largest request body in bytes. Default 16 MiB (a Worker accepts at most 100 MB). */
  readonly MAX_BODY_BYTES?: string;
  /** Most bytes one stream (one object) may store. Default 8 GiB (an object holds 10 GB). */
  readonly MAX_STREAM_BYTES?: string;
  /** How long after an append a stream reports its tail to the listing, in ms. Default 10000. */
  readonly REGISTRY_REFRESH_MS?: string;
  /** Yjs documents: bytes of updates after the last snapshot that trigger a compaction. Default 1 MiB. */
  readonly STREAMS_YJS_COMPACTION_THRESHOLD?: string;
  /** Longest fork chain (forks of forks); a fork past it gets 400 FORK_TOO_DEEP. Default 1000. */
  readonly MAX_FORK_DEPTH?: string;
  /** Longest `Producer-Id` in UTF-8 bytes; 400 PRODUCER_ID_TOO_LONG beyond. Default 256. */
  readonly STREAMS_MAX_PRODUCER_ID_BYTES?: string;
  /**
   * Seconds without an accepted append after which a producer's state on a
   * stream is forgotten (the producer is then new). Default 604800 (7 days).
   */
  readonly STREAMS_PRODUCER_TTL?: string;
  /** Producer states one stream's object keeps in memory (the rest are read when used). Default 10000. */
  readonly STREAMS_PRODUCER_CACHE_SIZE?: string;
  /**
   * `1` (or `true`) lets a deployment with neither `STREAMS_SECRET` nor a
   * token issuer accept writes from anyone. Unset, such a deployment is
   * read-only to anonymous clients: a Worker is public on the internet, and an
   * open write endpoint must be the operator's explicit choice. The local
   * runner (`npm run dev:cloudflare`, the tests) sets it.
   */
  readonly STREAMS_ALLOW_ANONYMOUS_WRITES?: string;
  /**
   * Cloudflare's Rate Limiting binding (`ratelimits` in `wrangler.jsonc`):
   * requests per client per period on the stream routes, 429 beyond. Absent: no limit.
   */
  readonly RATE_LIMITER?: RateLimit;
  /** The binding's `simple.period` in seconds (10 or 60), sent as `Retry-After`. Default 10. */
  readonly RATE_LIMIT_PERIOD_SECONDS?: string;
  /** Concurrent long-poll/SSE reads one Worker isolate holds; 503 beyond. Default 20000. */
  readonly MAX_LIVE_READERS?: string;
  /** Concurrent long-poll/SSE reads of one stream (its object); 503 beyond. Default 15000. */
  readonly MAX_LIVE_READERS_PER_STREAM?: string;
}

/** Resolved configuration. */
export interface Config {
  readonly basePath: string;
  readonly secret: string | undefined;
  /** Allowed browser origins; undefined for the engine's default. */
  readonly corsOrigins: "*" | readonly string[] | undefined;
  /** Scoped tokens from issuers other than the secret. */
  readonly tokens: {
    readonly jwksUrl?: string;
    readonly publicKeys?: readonly JWK[];
    readonly issuer?: string;
    readonly audience?: string;
  };
  readonly longPollTimeoutMs: number;
  readonly sseMaxConnectionMs: number;
  readonly maxBodyBytes: number;
  readonly maxStreamBytes: number;
  readonly registryRefreshMs: number;
  /** Loopback webhook targets are accepted (development). */
  readonly allowLocalhostWebhooks: boolean;
  readonly yjsCompactionThreshold: number;
  readonly maxForkDepth: number;
  /** Longest `Producer-Id`, in UTF-8 bytes. */
  readonly maxProducerIdBytes: number;
  /** Idle seconds after which a producer's state expires. */
  readonly producerTtlSeconds: number;
  /** Producer states one object holds in memory at most. */
  readonly producerCacheSize: number;
  /** A secret or a token issuer authenticates requests (rate limits are then per credential). */
  readonly authenticated: boolean;
  /** Live reads one Worker isolate holds at most. */
  readonly maxLiveReaders: number;
  /** Live reads of one stream (one object) at most. */
  readonly maxLiveReadersPerStream: number;
  /** The rate limit binding's period (s): `Retry-After` of a 429. */
  readonly rateLimitPeriodSeconds: number;
  /** Writes are refused (403) because nothing authenticates them and the operator did not allow that. */
  readonly anonymousWritesRefused: boolean;
}

/** URL path of the stream root. */
export const BASE_PATH = "/v1/stream";

/** Reads `env`, applying defaults; a malformed number is a deployment error. */
export function readConfig(env: Env): Config {
  const secret = env.STREAMS_SECRET || env.DURABLE_STREAMS_SECRET || undefined;
  const tokens = tokenIssuers(env);
  const authenticated =
    secret !== undefined || tokens.jwksUrl !== undefined || (tokens.publicKeys?.length ?? 0) > 0;
  return {
    basePath: BASE_PATH,
    secret,
    corsOrigins: corsOrigins(env.STREAMS_CORS_ORIGINS),
    tokens,
    longPollTimeoutMs: integer("LONG_POLL_TIMEOUT_MS", env.LONG_POLL_TIMEOUT_MS, 20_000),
    sseMaxConnectionMs: integer("SSE_MAX_CONNECTION_MS", env.SSE_MAX_CONNECTION_MS, 60_000),
    maxBodyBytes: integer("MAX_BODY_BYTES", env.MAX_BODY_BYTES, 16 * 1024 * 1024),
    maxStreamBytes: integer("MAX_STREAM_BYTES", env.MAX_STREAM_BYTES, 8 * 1024 ** 3),
    registryRefreshMs: integer("REGISTRY_REFRESH_MS", env.REGISTRY_REFRESH_MS, 10_000),
    allowLocalhostWebhooks: flag(
      "STREAMS_ALLOW_LOCALHOST_WEBHOOKS",
      env.STREAMS_ALLOW_LOCALHOST_WEBHOOKS,
    ),
    yjsCompactionThreshold: integer(
      "STREAMS_YJS_COMPACTION_THRESHOLD",
      env.STREAMS_YJS_COMPACTION_THRESHOLD,
      1024 * 1024,
    ),
    maxForkDepth: Math.max(1, integer("MAX_FORK_DEPTH", env.MAX_FORK_DEPTH, 1_000)),
    // Positive, as on Node: a zero would forget every producer at once.
    maxProducerIdBytes: positive(
      "STREAMS_MAX_PRODUCER_ID_BYTES",
      env.STREAMS_MAX_PRODUCER_ID_BYTES,
      256,
    ),
    producerTtlSeconds: positive("STREAMS_PRODUCER_TTL", env.STREAMS_PRODUCER_TTL, 7 * 24 * 3600),
    producerCacheSize: positive(
      "STREAMS_PRODUCER_CACHE_SIZE",
      env.STREAMS_PRODUCER_CACHE_SIZE,
      10_000,
    ),
    authenticated,
    maxLiveReaders: Math.max(1, integer("MAX_LIVE_READERS", env.MAX_LIVE_READERS, 20_000)),
    maxLiveReadersPerStream: Math.max(
      1,
      integer("MAX_LIVE_READERS_PER_STREAM", env.MAX_LIVE_READERS_PER_STREAM, 15_000),
    ),
    rateLimitPeriodSeconds: ratePeriod(env.RATE_LIMIT_PERIOD_SECONDS),
    anonymousWritesRefused:
      !authenticated && !flag("STREAMS_ALLOW_ANONYMOUS_WRITES", env.STREAMS_ALLOW_ANONYMOUS_WRITES),
  };
}

/** Cloudflare's rate limiter counts per 10 s or per 60 s. */
function ratePeriod(value: string | undefined): number {
  const period = integer("RATE_LIMIT_PERIOD_SECONDS", value, 10);
  if (period !== 10 && period !== 60) {
    throw new Error(`RATE_LIMIT_PERIOD_SECONDS must be 10 or 60, got "${value}"`);
  }
  return period;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw new Error(`${name} must be 1, true, 0 or false, got "${value}"`);
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value))
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  const number = integer(name, value, fallback);
  if (number === 0) throw new Error(`${name} must be positive`);
  return number;
}

function corsOrigins(value: string | undefined): "*" | readonly string[] | undefined {
  const origins = (value ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  if (origins.length === 0) return undefined;
  return origins.includes("*") ? "*" : origins;
}

function tokenIssuers(env: Env): Config["tokens"] {
  const claims = {
    ...(env.STREAMS_TOKEN_ISSUER ? { issuer: env.STREAMS_TOKEN_ISSUER } : {}),
    ...(env.STREAMS_TOKEN_AUDIENCE ? { audience: env.STREAMS_TOKEN_AUDIENCE } : {}),
  };
  return { ...claims, ...tokenKeys(env) };
}

function tokenKeys(env: Env): Pick<Config["tokens"], "jwksUrl" | "publicKeys"> {
  const jwksUrl = env.STREAMS_TOKEN_JWKS_URL || undefined;
  const raw = env.STREAMS_TOKEN_PUBLIC_KEYS;
  if (raw === undefined || raw === "") return jwksUrl ? { jwksUrl } : {};
  let keys: unknown;
  try {
    keys = JSON.parse(raw);
  } catch {
    throw new Error("STREAMS_TOKEN_PUBLIC_KEYS must be a JSON array of JWKs");
  }
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === "object" && key !== null)) {
    throw new Error("STREAMS_TOKEN_PUBLIC_KEYS must be a JSON array of JWKs");
  }
  return { ...(jwksUrl ? { jwksUrl } : {}), publicKeys: keys as JWK[] };
}
