/**
 * Values of the production features' settings (tokens, CORS, ops endpoints,
 * registry, compression, rate limits), checked together. The settings
 * themselves (flags, environment, defaults, meaning) are declared in `process/settings.ts`.
 */

import { readFileSync } from "node:fs";
import type { CorsOrigins, JWK } from "@durastream/server-core";
import type { OpsServerOptions } from "./ops-setup.js";

/** Parsed values of the production features' flags (declared in `process/settings.ts`, target `ops`). */
export interface OpsFlagValues {
  readonly "token-public-key"?: string[] | undefined;
  readonly "token-jwks-url"?: string | undefined;
  readonly "token-issuer"?: string | undefined;
  readonly "token-audience"?: string | undefined;
  readonly "cors-origin"?: string[] | undefined;
  readonly "drain-delay-ms"?: string | undefined;
  readonly "no-metrics"?: boolean | undefined;
  readonly registry?: boolean | undefined;
  readonly compression?: boolean | undefined;
  readonly "compression-threshold-bytes"?: string | undefined;
  readonly "rate-limit-rps"?: string | undefined;
  readonly "rate-limit-burst"?: string | undefined;
  readonly "rate-limit-bytes-per-sec"?: string | undefined;
  readonly "rate-limit-burst-bytes"?: string | undefined;
  readonly "rate-limit-max-clients"?: string | undefined;
}

/**
 * Server options from these settings' values: each from its flag, else from
 * its environment twin (`process/config.ts` reads both as `settings.ts` declares them).
 */
export function opsOptions(values: OpsFlagValues): OpsServerOptions {
  const drain = integer("--drain-delay-ms", values["drain-delay-ms"]);
  const rateLimit: Record<string, number> = {};
  for (const [flag, name] of RATE_FLAGS) {
    const value = integer(`--${flag}`, values[flag]);
    if (value === 0) throw new Error(`--${flag} must be positive`);
    if (value !== undefined) rateLimit[name] = value;
  }
  const limited = "requestsPerSecond" in rateLimit || "bytesPerSecond" in rateLimit;
  if (!limited && Object.keys(rateLimit).length > 0) {
    throw new Error("set --rate-limit-rps or --rate-limit-bytes-per-sec to limit rates");
  }
  return {
    rateLimit: limited ? rateLimit : undefined,
    tokens: {
      publicKeys: (values["token-public-key"] ?? []).map(readPublicKey),
      jwksUrl: values["token-jwks-url"],
      issuer: values["token-issuer"],
      audience: values["token-audience"],
    },
    corsOrigins: corsOrigins(values["cors-origin"]),
    drainDelayMs: drain,
    metrics: values["no-metrics"] !== true,
    registry: values.registry ?? false,
    compression: compressionOptions(values),
  };
}

/** A PEM public key as text, a JWK file as its object. */
function readPublicKey(file: string): string | JWK {
  const text = readFileSync(file, "utf8");
  return text.trimStart().startsWith("{") ? (JSON.parse(text) as JWK) : text;
}

function corsOrigins(values: string[] | undefined): CorsOrigins | undefined {
  const origins = values?.map((value) => value.trim()).filter((value) => value !== "");
  if (origins === undefined || origins.length === 0) return undefined;
  return origins.includes("*") ? "*" : origins;
}

const RATE_FLAGS = [
  ["rate-limit-rps", "requestsPerSecond"],
  ["rate-limit-burst", "burstRequests"],
  ["rate-limit-bytes-per-sec", "bytesPerSecond"],
  ["rate-limit-burst-bytes", "burstBytes"],
  ["rate-limit-max-clients", "maxClients"],
] as const;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value))
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function compressionOptions(values: OpsFlagValues): OpsServerOptions["compression"] {
  const threshold = integer("--compression-threshold-bytes", values["compression-threshold-bytes"]);
  if (values.compression !== true) {
    if (threshold !== undefined)
      throw new Error("--compression-threshold-bytes needs --compression");
    return false;
  }
  return threshold === undefined ? true : { thresholdBytes: threshold };
}
