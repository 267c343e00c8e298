/** Server configuration from command-line flags and environment variables. */

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { CorsOrigins, JWK } from "@durastream/server-core";

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
  --drain-delay-ms <n>    on SIGTERM, keep serving this long with /readyz at 503 (default 0)
  --no-metrics            do not serve /metrics
  --registry              keep the lifecycle event stream __ds/registry
  --log-level <level>     pino level: fatal, error, warn, info, debug, silent (default info)
  --token-public-key <file>   PEM (SPKI) or JWK file of an EdDSA/ES256 token issuer (repeatable)
  --token-jwks-url <url>  JWKS URL of token issuers' public keys
  --token-issuer <iss>    required "iss" claim of scoped tokens
  --token-audience <aud>  required "aud" claim of scoped tokens
  --cors-origin <origin>  browser origin allowed to read responses (repeatable, or *;
                          default * without auth, none with auth)
  -h, --help              show this help

Environment:
  STREAMS_SECRET / DURABLE_STREAMS_SECRET   require "Authorization: Bearer <secret>"
                                            or a token signed with it (durastream token)
  STREAMS_CORS_ORIGINS                      comma-separated --cors-origin values`;

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
      "drain-delay-ms": { type: "string" },
      "no-metrics": { type: "boolean" },
      registry: { type: "boolean" },
      "token-public-key": { type: "string", multiple: true },
      "token-jwks-url": { type: "string" },
      "token-issuer": { type: "string" },
      "token-audience": { type: "string" },
      "cors-origin": { type: "string", multiple: true },
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
    drainDelayMs: integer("--drain-delay-ms", values["drain-delay-ms"]),
    metrics: values["no-metrics"] !== true,
    registry: values.registry ?? false,
    secret: env.STREAMS_SECRET || env.DURABLE_STREAMS_SECRET || undefined,
    tokens: {
      publicKeys: (values["token-public-key"] ?? []).map(readPublicKey),
      jwksUrl: values["token-jwks-url"],
      issuer: values["token-issuer"],
      audience: values["token-audience"],
    },
    corsOrigins: corsOrigins(values["cors-origin"] ?? env.STREAMS_CORS_ORIGINS?.split(",")),
  };
  return { help: false, options, logLevel: values["log-level"] ?? env.LOG_LEVEL ?? "info" };
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
