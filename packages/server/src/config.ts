/** Server configuration from command-line flags and environment variables. */

import { parseArgs } from "node:util";
import type { ServerOptions } from "./server.js";

/** Usage text for `--help`. */
export const USAGE = `Usage: durastream-server [options]

Options:
  --port <n>              listen port (env STREAMS_PORT, PORT; default 4437)
  --host <addr>           interface to bind (env STREAMS_HOST; default 127.0.0.1)
  --data-dir <dir>        SQLite data directory (env DATA_DIR; default ./data)
  --memory                keep streams in memory only (nothing survives a restart)
  --base-path <path>      URL path of the stream root (default /v1/stream)
  --max-body-bytes <n>    largest accepted request body (default 64 MiB)
  --long-poll-timeout-ms <n>  long-poll wait before 204 (default 20000)
  --allow-localhost-webhooks  accept http://localhost and http://127.0.0.x webhook URLs
                          (development only; env STREAMS_ALLOW_LOCALHOST_WEBHOOKS=1)
  --log-level <level>     pino level: fatal, error, warn, info, debug, silent (default info)
  -h, --help              show this help

Environment:
  STREAMS_SECRET / DURABLE_STREAMS_SECRET   require "Authorization: Bearer <secret>"`;

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
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      memory: { type: "boolean" },
      "base-path": { type: "string" },
      "max-body-bytes": { type: "string" },
      "long-poll-timeout-ms": { type: "string" },
      "log-level": { type: "string" },
      "allow-localhost-webhooks": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const port = integer("--port", values.port ?? env.STREAMS_PORT ?? env.PORT) ?? 4437;
  if (port > 65535) throw new Error(`port out of range: ${port}`);
  const options: ServerOptions = {
    port,
    host: values.host ?? env.STREAMS_HOST ?? "127.0.0.1",
    dataDir: values["data-dir"] ?? env.DATA_DIR ?? "./data",
    memory: values.memory ?? false,
    basePath: values["base-path"] ?? "/v1/stream",
    maxBodyBytes: integer("--max-body-bytes", values["max-body-bytes"]),
    longPollTimeoutMs: integer("--long-poll-timeout-ms", values["long-poll-timeout-ms"]),
    allowLocalhostWebhooks:
      values["allow-localhost-webhooks"] ?? env.STREAMS_ALLOW_LOCALHOST_WEBHOOKS === "1",
    secret: env.STREAMS_SECRET || env.DURABLE_STREAMS_SECRET || undefined,
  };
  return { help: false, options, logLevel: values["log-level"] ?? env.LOG_LEVEL ?? "info" };
}
