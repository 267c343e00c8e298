/** Server configuration from command-line flags and environment variables (see `settings.ts`). */

import { type ParseArgsConfig, parseArgs } from "node:util";
import { compileUrlGlob } from "@durastream/server-core";
import type { ServerLimits } from "../http/limits.js";
import { type OpsFlagValues, opsOptions } from "../ops/ops-config.js";
import type { ProxyServerOptions } from "../proxy/proxy-options.js";
import type { ServerOptions } from "../server.js";
import type { ServerSetting } from "./server-setting.js";
import { SERVER_SETTINGS, usage } from "./settings.js";

/** Usage text for `--help`. */
export const USAGE = usage();

/** How log lines are written. */
export type LogFormat = "auto" | "pretty" | "json";

/** Parsed configuration, or a request for help or the version. */
export type ParsedConfig =
  | { readonly help: true }
  | { readonly version: true; readonly help: false }
  | {
      readonly help: false;
      readonly version?: false;
      readonly options: ServerOptions;
      readonly logLevel: string;
      readonly logFormat: LogFormat;
    };

function parseOptions(): NonNullable<ParseArgsConfig["options"]> {
  const options: NonNullable<ParseArgsConfig["options"]> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
  };
  for (const setting of SERVER_SETTINGS) {
    if (setting.flag === null) continue;
    const type = setting.kind === "boolean" ? "boolean" : "string";
    options[setting.flag] = setting.multiple ? { type, multiple: true } : { type };
  }
  return options;
}

/** The raw text of a setting: its flag, else its first non-empty environment variable. */
function rawValue(
  setting: ServerSetting,
  flags: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
): { text: string | boolean; source: string } | undefined {
  if (setting.flag !== null && flags[setting.flag] !== undefined) {
    return { text: flags[setting.flag]!, source: `--${setting.flag}` };
  }
  for (const name of setting.env) {
    const text = env[name];
    if (text !== undefined && text !== "") return { text, source: name };
  }
  return undefined;
}

function convert(setting: ServerSetting, raw: { text: string | boolean; source: string }) {
  const { text, source } = raw;
  switch (setting.kind) {
    case "boolean":
      if (typeof text === "boolean") return text;
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      throw new Error(`${source} must be true or false, got "${text}"`);
    case "integer":
      if (!/^\d+$/.test(String(text))) {
        throw new Error(`${source} must be a non-negative integer, got "${text}"`);
      }
      return Number(text);
    case "choice":
      if (!setting.choices!.includes(String(text))) {
        throw new Error(`${source} must be one of ${setting.choices!.join(", ")}, got "${text}"`);
      }
      return String(text);
    default:
      return String(text);
  }
}

/** Reads flags (`argv` without node and script) and the environment. */
export function parseConfig(argv: string[], env: Record<string, string | undefined>): ParsedConfig {
  const { values } = parseArgs({ args: argv, options: parseOptions(), strict: true });
  if (values.help) return { help: true };
  if (values.version) return { help: false, version: true };
  const options: Record<string, unknown> = {};
  const limits: Partial<Record<keyof ServerLimits, number>> = {};
  const log: { level: string; format: LogFormat } = { level: "info", format: "auto" };
  const consoleSettings: { off: boolean; path?: string } = { off: false };
  const proxy: Record<string, unknown> = {};
  const storage: { producerCacheSize?: number } = {};
  const ops: Record<string, string | boolean | string[]> = {};
  for (const setting of SERVER_SETTINGS) {
    const raw = rawValue(setting, values as Record<string, string | boolean | undefined>, env);
    if (raw === undefined) continue;
    if ("ops" in setting.target) {
      // The production features' values are checked together by `opsOptions`;
      // a repeatable flag's environment twin is a comma-separated list.
      ops[setting.target.ops] =
        setting.kind === "boolean"
          ? (convert(setting, raw) as boolean)
          : setting.multiple && typeof raw.text === "string"
            ? listOf(raw.text)
            : raw.text;
      continue;
    }
    const value = convert(setting, raw);
    const target = setting.target;
    if ("limit" in target) {
      if (value === 0) throw new Error(`${raw.source} must be positive`);
      limits[target.limit] = value as number;
    } else if ("storage" in target) {
      if (value === 0) throw new Error(`${raw.source} must be positive`);
      storage[target.storage] = value as number;
    } else if ("console" in target) {
      if (target.console === "off") consoleSettings.off = value as boolean;
      else consoleSettings.path = value as string;
    } else if ("proxy" in target) {
      if (value === 0) throw new Error(`${raw.source} must be positive`);
      proxy[target.proxy] =
        target.proxy === "allowlist" ? proxyAllowlist(value as string, raw.source) : value;
    } else if ("log" in target) {
      if (target.log === "level") log.level = value as string;
      else log.format = value as LogFormat;
    } else {
      const mustBePositive =
        target.option === "retentionMaxBytes" ||
        target.option === "retentionMaxAgeSeconds" ||
        target.option === "maxForkDepth" ||
        target.option === "maxProducerIdBytes" ||
        target.option === "producerTtlSeconds" ||
        target.option === "yjsCompactionThreshold";
      if (mustBePositive && value === 0) throw new Error(`${raw.source} must be positive`);
      options[target.option] = value;
    }
  }
  const port = (options.port as number | undefined) ?? 4437;
  if (port > 65535) throw new Error(`port out of range: ${port}`);
  const serverOptions: ServerOptions = {
    ...options,
    port,
    host: (options.host as string | undefined) ?? "127.0.0.1",
    dataDir: (options.dataDir as string | undefined) ?? "./data",
    memory: (options.memory as boolean | undefined) ?? false,
    basePath: (options.basePath as string | undefined) ?? "/v1/stream",
    limits,
    ...(storage.producerCacheSize === undefined ? {} : { storage }),
    secret: (options.secret as string | undefined) || undefined,
    console: consoleSettings.off
      ? false
      : consoleSettings.path === undefined
        ? undefined
        : { path: consoleSettings.path },
    ...opsOptions(ops as OpsFlagValues),
    ...(Object.keys(proxy).length === 0 ? {} : { proxy: proxy as ProxyServerOptions }),
  };
  return { help: false, options: serverOptions, logLevel: log.level, logFormat: log.format };
}

/** The items of a comma-separated list, trimmed, without empty ones. */
function listOf(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The comma-separated globs of `--proxy-allowlist`, each checked now rather than at first use. */
function proxyAllowlist(text: string, source: string): string[] {
  const globs = text
    .split(",")
    .map((glob) => glob.trim())
    .filter((glob) => glob !== "");
  for (const glob of globs) {
    try {
      compileUrlGlob(glob);
    } catch (error) {
      throw new Error(`${source}: ${(error as Error).message}`);
    }
  }
  return globs;
}
