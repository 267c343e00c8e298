/** Server configuration from command-line flags and environment variables. */

import { parseArgs } from "node:util";
import { DEFAULT_LIMITS, type ServerLimits } from "./limits.js";
import { OPS_FLAGS, OPS_USAGE, opsOptions } from "./ops/ops-config.js";
import type { ServerOptions } from "./server.js";

/** A numeric setting: its flag, its environment twin, and where it goes. */
interface IntegerSetting {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly target: { readonly limit: keyof ServerLimits } | { readonly engine: EngineSetting };
}

type EngineSetting = "maxBodyBytes" | "longPollTimeoutMs" | "sseMaxConnectionMs";

const MIB = 1024 * 1024;

/** Every numeric flag (also listed, with defaults, in the README's limits table). */
const INTEGER_SETTINGS: readonly IntegerSetting[] = [
  {
    flag: "max-body-bytes",
    env: "STREAMS_MAX_BODY_BYTES",
    help: "largest accepted request body (default 64 MiB)",
    target: { engine: "maxBodyBytes" },
  },
  {
    flag: "long-poll-timeout-ms",
    env: "STREAMS_LONG_POLL_TIMEOUT_MS",
    help: "long-poll wait before 204 (default 20000)",
    target: { engine: "longPollTimeoutMs" },
  },
  {
    flag: "sse-max-connection-ms",
    env: "STREAMS_SSE_MAX_CONNECTION_MS",
    help: "lifetime of an SSE connection (default 60000)",
    target: { engine: "sseMaxConnectionMs" },
  },
  {
    flag: "headers-timeout-ms",
    env: "STREAMS_HEADERS_TIMEOUT_MS",
    help: `time to send complete request headers (default ${DEFAULT_LIMITS.headersTimeoutMs})`,
    target: { limit: "headersTimeoutMs" },
  },
  {
    flag: "request-timeout-ms",
    env: "STREAMS_REQUEST_TIMEOUT_MS",
    help: `time to send a complete request, body included (default ${DEFAULT_LIMITS.requestTimeoutMs})`,
    target: { limit: "requestTimeoutMs" },
  },
  {
    flag: "keep-alive-timeout-ms",
    env: "STREAMS_KEEP_ALIVE_TIMEOUT_MS",
    help: `idle keep-alive connection lifetime (default ${DEFAULT_LIMITS.keepAliveTimeoutMs})`,
    target: { limit: "keepAliveTimeoutMs" },
  },
  {
    flag: "write-timeout-ms",
    env: "STREAMS_WRITE_TIMEOUT_MS",
    help: `reset a client that takes no response bytes this long (default ${DEFAULT_LIMITS.writeTimeoutMs})`,
    target: { limit: "writeTimeoutMs" },
  },
  {
    flag: "max-connections",
    env: "STREAMS_MAX_CONNECTIONS",
    help: `open connections at most (default ${DEFAULT_LIMITS.maxConnections})`,
    target: { limit: "maxConnections" },
  },
  {
    flag: "max-header-bytes",
    env: "STREAMS_MAX_HEADER_BYTES",
    help: `largest request line and headers (default ${DEFAULT_LIMITS.maxHeaderBytes})`,
    target: { limit: "maxHeaderBytes" },
  },
  {
    flag: "max-live-readers",
    env: "STREAMS_MAX_LIVE_READERS",
    help: `concurrent long-poll/SSE reads in total (default ${DEFAULT_LIMITS.maxLiveReaders})`,
    target: { limit: "maxLiveReaders" },
  },
  {
    flag: "max-live-readers-per-stream",
    env: "STREAMS_MAX_LIVE_READERS_PER_STREAM",
    help: `concurrent long-poll/SSE reads of one stream (default ${DEFAULT_LIMITS.maxLiveReadersPerStream})`,
    target: { limit: "maxLiveReadersPerStream" },
  },
  {
    flag: "body-budget-bytes",
    env: "STREAMS_BODY_BUDGET_BYTES",
    help: `request-body bytes in flight, all requests (default ${DEFAULT_LIMITS.bodyBudgetBytes / MIB} MiB)`,
    target: { limit: "bodyBudgetBytes" },
  },
];

const settingLines = INTEGER_SETTINGS.map(
  (s) => `  --${`${s.flag} <n>`.padEnd(32)} ${s.help}\n  ${"".padEnd(34)} env ${s.env}`,
).join("\n");

/** Usage text for `--help`. */
export const USAGE = `Usage: durastream-server [options]

Options:
  --port <n>              listen port (env STREAMS_PORT, PORT; default 4437)
  --host <addr>           interface to bind (env STREAMS_HOST; default 127.0.0.1)
  --data-dir <dir>        SQLite data directory (env DATA_DIR; default ./data)
  --memory                keep streams in memory only (nothing survives a restart)
  --base-path <path>      URL path of the stream root (default /v1/stream)
  --log-level <level>     pino level: fatal, error, warn, info, debug, silent (default info)
  -h, --help              show this help

Limits:
${settingLines}

${OPS_USAGE}

Environment:
  STREAMS_SECRET / DURABLE_STREAMS_SECRET   require "Authorization: Bearer <secret>"
                                            or a token signed with it (durastream token)`;

/** Parsed configuration, or a request for help. */
export type ParsedConfig =
  | { readonly help: true }
  | { readonly help: false; readonly options: ServerOptions; readonly logLevel: string };

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value))
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/** Reads flags (`argv` without node and script) and the environment. */
export function parseConfig(argv: string[], env: Record<string, string | undefined>): ParsedConfig {
  const settingOptions = Object.fromEntries(
    INTEGER_SETTINGS.map((s) => [s.flag, { type: "string" as const }]),
  );
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      memory: { type: "boolean" },
      "base-path": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
      ...OPS_FLAGS,
      ...settingOptions,
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const port = integer("--port", values.port ?? env.STREAMS_PORT ?? env.PORT) ?? 4437;
  if (port > 65535) throw new Error(`port out of range: ${port}`);
  const limits: Partial<Record<keyof ServerLimits, number>> = {};
  const engine: Partial<Record<EngineSetting, number>> = {};
  for (const setting of INTEGER_SETTINGS) {
    const flagValue = (values as Record<string, string | boolean | undefined>)[setting.flag];
    const raw = typeof flagValue === "string" ? flagValue : env[setting.env];
    const name = typeof flagValue === "string" ? `--${setting.flag}` : setting.env;
    const value = integer(name, raw);
    if (value === undefined) continue;
    if ("limit" in setting.target) {
      if (value === 0) throw new Error(`${name} must be positive`);
      limits[setting.target.limit] = value;
    } else {
      engine[setting.target.engine] = value;
    }
  }
  const options: ServerOptions = {
    port,
    host: values.host ?? env.STREAMS_HOST ?? "127.0.0.1",
    dataDir: values["data-dir"] ?? env.DATA_DIR ?? "./data",
    memory: values.memory ?? false,
    basePath: values["base-path"] ?? "/v1/stream",
    ...engine,
    limits,
    secret: env.STREAMS_SECRET || env.DURABLE_STREAMS_SECRET || undefined,
    ...opsOptions(values, env),
  };
  return { help: false, options, logLevel: values["log-level"] ?? env.LOG_LEVEL ?? "info" };
}
