/** The Node server's proxy options (`--proxy-*`) and how they become a `ProxyConfig`. */

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProxyConfig } from "@durastream/server-core";
import type { Logger } from "pino";
import { nodeUpstreamFetcher } from "./node-upstream-fetcher.js";

/**
 * `startServer({ proxy })`: the durable proxy at `path`, on when `allowlist`
 * is given. The limits are the engine's (`ProxyConfig`), with its defaults.
 */
export interface ProxyServerOptions
  extends Pick<
    ProxyConfig,
    | "urlTtlSeconds"
    | "headerTimeoutMs"
    | "idleTimeoutMs"
    | "maxDurationMs"
    | "maxResponseBytes"
    | "maxRequestBytes"
    | "maxConcurrent"
  > {
  /** Upstream URL globs (`https://api.openai.com/**`); the proxy is off without any. */
  readonly allowlist?: readonly string[];
  /** Allow loopback upstreams (127.0.0.x, ::1): development and tests. Default false. */
  readonly allowLocalhost?: boolean;
  /** URL path of the proxy. Default `/v1/proxy`. */
  readonly path?: string;
  /**
   * Key of pre-signed URLs. Default: the server secret when set, else a
   * random key kept in `<data dir>/proxy-signing.key` (per process in memory mode).
   */
  readonly signingKey?: string;
}

/** The engine's proxy configuration for these options, or undefined when the proxy is off. */
export function proxyConfig(
  options: ProxyServerOptions | undefined,
  secret: string | undefined,
  dataDir: string | null,
  logger: Logger,
): ProxyConfig | undefined {
  if (options?.allowlist === undefined || options.allowlist.length === 0) return undefined;
  const { allowlist, allowLocalhost, path: _path, signingKey, ...limits } = options;
  return {
    ...limits,
    allowlist,
    fetcher: nodeUpstreamFetcher(allowLocalhost ?? false),
    signingKey: signingKey ?? secret ?? storedKey(dataDir),
    onOutcome: (event) => {
      const level = event.outcome === "complete" || event.outcome === "aborted" ? "info" : "warn";
      logger[level](event, "proxy response ended");
    },
  };
}

/** A random key kept in the data directory (so signed URLs survive restarts). */
function storedKey(dataDir: string | null): Uint8Array {
  if (dataDir === null) return new Uint8Array(randomBytes(32));
  const file = join(dataDir, "proxy-signing.key");
  try {
    return new Uint8Array(Buffer.from(readFileSync(file, "utf8").trim(), "hex"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  return new Uint8Array(key);
}
