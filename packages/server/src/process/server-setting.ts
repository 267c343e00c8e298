/**
 * What a server setting is (its flag, environment twins, kind, target and
 * documented default) and the constructors of its families whose flag, twin
 * and default follow one rule: connection limits, proxy limits, the
 * production features' settings. The list itself is `settings.ts`.
 */

import { PROXY_DEFAULTS } from "@durastream/server-core";
import { DEFAULT_LIMITS, type ServerLimits } from "../http/limits.js";
import type { OpsFlagValues } from "../ops/ops-config.js";
import type { ProxyServerOptions } from "../proxy/proxy-options.js";

/** How a setting's text becomes a value. */
export type SettingKind = "string" | "integer" | "boolean" | "choice";

/** Where a setting's value goes. */
export type SettingTarget =
  | {
      readonly option:
        | "port"
        | "host"
        | "dataDir"
        | "memory"
        | "basePath"
        | "maxBodyBytes"
        | "longPollTimeoutMs"
        | "sseMaxConnectionMs"
        | "allowLocalhostWebhooks"
        | "publicUrl"
        | "secret"
        | "retentionMaxBytes"
        | "retentionMaxAgeSeconds"
        | "maxForkDepth"
        | "maxProducerIdBytes"
        | "producerTtlSeconds"
        | "yjsCompactionThreshold";
    }
  | { readonly storage: "producerCacheSize" }
  | { readonly limit: keyof ServerLimits }
  | { readonly log: "level" | "format" }
  | { readonly proxy: Exclude<keyof ProxyServerOptions, "signingKey"> }
  | { readonly console: "off" | "path" }
  | { readonly ops: keyof OpsFlagValues };

/** One server setting. */
export interface ServerSetting {
  readonly target: SettingTarget;
  /** Long flag without dashes, or null for environment-only settings (secrets stay off `ps`). */
  readonly flag: string | null;
  /** Environment variables, first set one wins; the flag wins over all of them. */
  readonly env: readonly string[];
  readonly kind: SettingKind;
  /** Whether the flag may be given more than once (each adds a value). */
  readonly multiple?: boolean;
  /** Allowed values of a `choice`. */
  readonly choices?: readonly string[];
  /** Placeholder in `--help`, e.g. `<n>`. */
  readonly placeholder?: string;
  /** The default, as documented. */
  readonly defaultText: string;
  readonly description: string;
}

/** A connection or request limit (`http/limits.ts`): a positive integer with a production default. */
export function limit(flag: string, key: keyof ServerLimits, description: string): ServerSetting {
  return {
    flag,
    target: { limit: key },
    env: [`STREAMS_${flag.toUpperCase().replaceAll("-", "_")}`],
    kind: "integer",
    placeholder: "<n>",
    defaultText: String(DEFAULT_LIMITS[key]),
    description,
  };
}

/** A setting of the production features (tokens, CORS, ops, rate limits): see `ops/ops-config.ts`. */
export function ops(
  flag: keyof OpsFlagValues,
  kind: "string" | "boolean",
  env: readonly string[],
  defaultText: string,
  description: string,
  placeholder?: string,
): ServerSetting {
  return {
    flag,
    target: { ops: flag },
    env,
    kind,
    ...(flag === "token-public-key" || flag === "cors-origin" ? { multiple: true } : {}),
    ...(placeholder === undefined ? {} : { placeholder }),
    defaultText,
    description,
  };
}

/** A proxy limit (docs/proxy.md): a positive integer with the proxy's default. */
export function proxyLimit(
  flag: string,
  key: keyof typeof PROXY_DEFAULTS & keyof ProxyServerOptions,
  placeholder: string,
  description: string,
): ServerSetting {
  return {
    flag,
    target: { proxy: key },
    env: [`STREAMS_${flag.toUpperCase().replaceAll("-", "_")}`],
    kind: "integer",
    placeholder,
    defaultText: String(PROXY_DEFAULTS[key]),
    description,
  };
}
