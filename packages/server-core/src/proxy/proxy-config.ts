/** Configuration of the durable proxy and its defaults. */

import { UpstreamAllowlist } from "./allowlist.js";
import type { UpstreamFetcher } from "./upstream-fetcher.js";

/** How to run the proxy routes (`EngineConfig.proxy`). */
export interface ProxyConfig {
  /**
   * Upstream URL globs (`https://api.openai.com/**`, see `allowlist.ts`).
   * Empty: every upstream is refused.
   */
  readonly allowlist: readonly string[];
  /** How upstream calls are made (the runtime's SSRF-checked client). */
  readonly fetcher: UpstreamFetcher;
  /** HMAC key of pre-signed URLs and session ids (at least 16 bytes). */
  readonly signingKey: Uint8Array | string;
  /** Lifetime of pre-signed URLs, seconds. Default 86400 (24 h). */
  readonly urlTtlSeconds?: number;
  /** Sliding TTL of proxy streams, seconds. Default 86400 (24 h). */
  readonly streamTtlSeconds?: number;
  /** Time to the upstream's response headers before a 504, ms. Default 60000. */
  readonly headerTimeoutMs?: number;
  /** Longest silence of an upstream body before it is cut, ms. Default 600000 (10 min). */
  readonly idleTimeoutMs?: number;
  /** Longest upstream response, ms. Default 1800000 (30 min). */
  readonly maxDurationMs?: number;
  /** Largest upstream response body kept, bytes. Default 67108864 (64 MiB). */
  readonly maxResponseBytes?: number;
  /** Largest request body forwarded upstream, bytes. Default 8388608 (8 MiB). */
  readonly maxRequestBytes?: number;
  /** Upstream calls in flight at once (503 beyond). Default 256. */
  readonly maxConcurrent?: number;
  /** Batching of small upstream chunks: flush at this many bytes... Default 4096. */
  readonly flushBytes?: number;
  /** ...or after this many ms. Default 50. */
  readonly flushMs?: number;
  /**
   * Told how each upstream response ended. Carries no credentials and no
   * query string (an API key may sit in a query): origin and path only.
   */
  readonly onOutcome?: (event: ProxyOutcomeEvent) => void;
}

/** What `onOutcome` is told. */
export interface ProxyOutcomeEvent {
  readonly streamId: string;
  /** Upstream origin and path, without query. */
  readonly upstream: string;
  readonly outcome: string;
  readonly bytes: number;
  /** Why it failed, when it did. */
  readonly message?: string;
}

/** A configuration with its defaults applied. */
export interface ResolvedProxyConfig {
  readonly allowlist: UpstreamAllowlist;
  readonly fetcher: UpstreamFetcher;
  readonly signingKey: Uint8Array | string;
  readonly urlTtlSeconds: number;
  readonly streamTtlSeconds: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly maxResponseBytes: number;
  readonly maxRequestBytes: number;
  readonly maxConcurrent: number;
  readonly flushBytes: number;
  readonly flushMs: number;
  readonly onOutcome: (event: ProxyOutcomeEvent) => void;
}

/** The defaults of every limit, for settings and documentation. */
export const PROXY_DEFAULTS = {
  urlTtlSeconds: 86_400,
  streamTtlSeconds: 86_400,
  headerTimeoutMs: 60_000,
  idleTimeoutMs: 600_000,
  maxDurationMs: 1_800_000,
  maxResponseBytes: 64 * 1024 * 1024,
  maxRequestBytes: 8 * 1024 * 1024,
  maxConcurrent: 256,
  flushBytes: 4096,
  flushMs: 50,
} as const;

/** Applies defaults and compiles the allowlist; throws on a bad entry or limit. */
export function resolveProxyConfig(config: ProxyConfig): ResolvedProxyConfig {
  const resolved = {
    ...PROXY_DEFAULTS,
    ...withoutUndefined(config),
    fetcher: config.fetcher,
    signingKey: config.signingKey,
    allowlist: new UpstreamAllowlist(config.allowlist),
    onOutcome: config.onOutcome ?? (() => {}),
  };
  for (const key of Object.keys(PROXY_DEFAULTS) as (keyof typeof PROXY_DEFAULTS)[]) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`proxy ${key} must be a positive integer, got ${value}`);
    }
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
