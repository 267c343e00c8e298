/**
 * Every server setting, once: its flag, its environment twins, its default
 * and what it means. `--help`, the README's configuration table (tested
 * against `configurationTable()`; `node scripts/config-table.mjs` rewrites
 * it) and the flag parser (`config.ts`) read this list. The parser takes
 * each value from its flag, else its environment twins, and converts it by
 * its kind; the production features' values (target `ops`) it hands to
 * `ops/ops-config.ts`, which checks them together (rate limits come in
 * pairs, key files are read). What a setting is: `server-setting.ts`.
 */

import { limit, ops, proxyLimit, type ServerSetting } from "./server-setting.js";

/** The server's settings, in `--help` order. */
export const SERVER_SETTINGS: readonly ServerSetting[] = [
  {
    flag: "port",
    target: { option: "port" },
    env: ["STREAMS_PORT", "PORT"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "4437",
    description: "listen port (0 picks a free one)",
  },
  {
    flag: "host",
    target: { option: "host" },
    env: ["STREAMS_HOST"],
    kind: "string",
    placeholder: "<addr>",
    defaultText: "127.0.0.1",
    description: "interface to bind (0.0.0.0 for every interface)",
  },
  {
    flag: "data-dir",
    target: { option: "dataDir" },
    env: ["DATA_DIR"],
    kind: "string",
    placeholder: "<dir>",
    defaultText: "./data",
    description: "directory of the SQLite database",
  },
  {
    flag: "memory",
    target: { option: "memory" },
    env: ["STREAMS_MEMORY"],
    kind: "boolean",
    defaultText: "off",
    description: "keep streams in memory only (nothing survives a restart)",
  },
  {
    flag: "base-path",
    target: { option: "basePath" },
    env: ["STREAMS_BASE_PATH"],
    kind: "string",
    placeholder: "<path>",
    defaultText: "/v1/stream",
    description: "URL path of the stream root",
  },
  {
    flag: "console-path",
    target: { console: "path" },
    env: ["STREAMS_CONSOLE_PATH"],
    kind: "string",
    placeholder: "<path>",
    defaultText: "/",
    description: "URL path of the web console (outside the stream root)",
  },
  {
    flag: "no-console",
    target: { console: "off" },
    env: ["STREAMS_NO_CONSOLE"],
    kind: "boolean",
    defaultText: "off",
    description: "do not serve the web console",
  },
  {
    flag: "max-body-bytes",
    target: { option: "maxBodyBytes" },
    env: ["STREAMS_MAX_BODY_BYTES"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "67108864 (64 MiB)",
    description: "largest accepted request body (413 beyond)",
  },
  {
    flag: "long-poll-timeout-ms",
    target: { option: "longPollTimeoutMs" },
    env: ["STREAMS_LONG_POLL_TIMEOUT_MS"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "20000",
    description: "how long a long-poll waits for data before a 204",
  },
  {
    flag: "log-level",
    target: { log: "level" },
    env: ["LOG_LEVEL"],
    kind: "choice",
    choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
    placeholder: "<level>",
    defaultText: "info",
    description: "least severe log level written",
  },
  {
    flag: "log-format",
    target: { log: "format" },
    env: ["LOG_FORMAT"],
    kind: "choice",
    choices: ["auto", "pretty", "json"],
    placeholder: "<format>",
    defaultText: "auto",
    description:
      "pretty: a banner and short log lines; json: one JSON object per line; auto: pretty on a terminal, else json",
  },
  {
    flag: "sse-max-connection-ms",
    target: { option: "sseMaxConnectionMs" },
    env: ["STREAMS_SSE_MAX_CONNECTION_MS"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "60000",
    description: "lifetime of an SSE connection before the server closes it",
  },
  {
    flag: "retention-max-bytes",
    target: { option: "retentionMaxBytes" },
    env: ["STREAMS_RETENTION_MAX_BYTES"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "unset (keep all)",
    description:
      "default retention: keep at least the newest n bytes of a stream, trim older ones in the background (docs/retention.md)",
  },
  {
    flag: "retention-max-age",
    target: { option: "retentionMaxAgeSeconds" },
    env: ["STREAMS_RETENTION_MAX_AGE"],
    kind: "integer",
    placeholder: "<seconds>",
    defaultText: "unset (keep all)",
    description: "default retention: trim data older than this many seconds (docs/retention.md)",
  },
  {
    flag: "yjs-compaction-threshold",
    target: { option: "yjsCompactionThreshold" },
    env: ["STREAMS_YJS_COMPACTION_THRESHOLD"],
    kind: "integer",
    placeholder: "<bytes>",
    defaultText: "1048576",
    description:
      "Yjs documents (/v1/yjs): compact a document into a snapshot once this many bytes of updates follow its last one (docs/yjs.md)",
  },
  {
    flag: "max-fork-depth",
    target: { option: "maxForkDepth" },
    env: ["STREAMS_MAX_FORK_DEPTH"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "1000",
    description: "longest fork chain (forks of forks); a fork past it gets 400 FORK_TOO_DEEP",
  },
  {
    flag: "max-producer-id-bytes",
    target: { option: "maxProducerIdBytes" },
    env: ["STREAMS_MAX_PRODUCER_ID_BYTES"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "256",
    description: "longest Producer-Id in UTF-8 bytes (400 PRODUCER_ID_TOO_LONG beyond)",
  },
  {
    flag: "producer-ttl",
    target: { option: "producerTtlSeconds" },
    env: ["STREAMS_PRODUCER_TTL"],
    kind: "integer",
    placeholder: "<seconds>",
    defaultText: "604800 (7 days)",
    description:
      "idle time after which a producer's state on a stream is forgotten (it is then treated as new)",
  },
  {
    flag: "producer-cache-size",
    target: { storage: "producerCacheSize" },
    env: ["STREAMS_PRODUCER_CACHE_SIZE"],
    kind: "integer",
    placeholder: "<n>",
    defaultText: "10000",
    description: "producer states kept in memory (the rest are read from the database when used)",
  },
  limit("headers-timeout-ms", "headersTimeoutMs", "time to send complete request headers"),
  limit("request-timeout-ms", "requestTimeoutMs", "time to send a complete request, body included"),
  limit("keep-alive-timeout-ms", "keepAliveTimeoutMs", "idle keep-alive connection lifetime"),
  limit(
    "write-timeout-ms",
    "writeTimeoutMs",
    "reset a client that takes no response bytes this long",
  ),
  limit("max-connections", "maxConnections", "open connections at most"),
  limit("max-header-bytes", "maxHeaderBytes", "largest request line and headers (431 beyond)"),
  limit("max-header-count", "maxHeaderCount", "most header fields in one request (431 beyond)"),
  limit(
    "max-live-readers",
    "maxLiveReaders",
    "concurrent long-poll/SSE reads in total (503 beyond)",
  ),
  limit(
    "max-live-readers-per-stream",
    "maxLiveReadersPerStream",
    "concurrent long-poll/SSE reads of one stream (503 beyond)",
  ),
  limit(
    "body-budget-bytes",
    "bodyBudgetBytes",
    "request-body bytes in flight across all requests (503 + Retry-After beyond)",
  ),
  limit(
    "max-drain-bytes",
    "maxDrainBytes",
    "bytes of a refused upload read and discarded so its client reads the answer (closed beyond)",
  ),
  {
    flag: "allow-localhost-webhooks",
    target: { option: "allowLocalhostWebhooks" },
    env: ["STREAMS_ALLOW_LOCALHOST_WEBHOOKS"],
    kind: "boolean",
    defaultText: "off",
    description: "accept http://localhost and http://127.0.0.x webhook URLs (development only)",
  },
  {
    flag: "public-url",
    target: { option: "publicUrl" },
    env: ["STREAMS_PUBLIC_URL"],
    kind: "string",
    placeholder: "<url>",
    defaultText: "from each request",
    description: "origin clients reach the server at (webhook callback and JWKS URLs)",
  },
  {
    flag: "proxy-allowlist",
    target: { proxy: "allowlist" },
    env: ["STREAMS_PROXY_ALLOWLIST"],
    kind: "string",
    placeholder: "<globs>",
    defaultText: "unset (proxy off)",
    description:
      "serve the durable proxy at /v1/proxy for these comma-separated upstream URL globs, e.g. https://api.openai.com/** (docs/proxy.md)",
  },
  {
    flag: "proxy-allow-localhost",
    target: { proxy: "allowLocalhost" },
    env: ["STREAMS_PROXY_ALLOW_LOCALHOST"],
    kind: "boolean",
    defaultText: "off",
    description: "let the proxy reach loopback upstreams (127.0.0.x, ::1; development only)",
  },
  proxyLimit(
    "proxy-url-ttl",
    "urlTtlSeconds",
    "<seconds>",
    "lifetime of the proxy's pre-signed read URLs",
  ),
  proxyLimit(
    "proxy-header-timeout-ms",
    "headerTimeoutMs",
    "<n>",
    "time an upstream has to answer with headers (504 beyond)",
  ),
  proxyLimit(
    "proxy-idle-timeout-ms",
    "idleTimeoutMs",
    "<n>",
    "longest silence of an upstream body before the proxy cuts it",
  ),
  proxyLimit(
    "proxy-max-duration-ms",
    "maxDurationMs",
    "<n>",
    "longest upstream response the proxy keeps reading",
  ),
  proxyLimit(
    "proxy-max-response-bytes",
    "maxResponseBytes",
    "<n>",
    "largest upstream response body the proxy stores (cut beyond)",
  ),
  proxyLimit(
    "proxy-max-request-bytes",
    "maxRequestBytes",
    "<n>",
    "largest request body the proxy forwards upstream (413 beyond)",
  ),
  proxyLimit(
    "proxy-max-concurrent",
    "maxConcurrent",
    "<n>",
    "upstream calls in flight at once (503 beyond)",
  ),
  {
    flag: null,
    target: { option: "secret" },
    env: ["STREAMS_SECRET", "DURABLE_STREAMS_SECRET"],
    kind: "string",
    defaultText: "unset (no auth)",
    description: 'when set, every request needs "Authorization: Bearer <secret>"',
  },
  ops(
    "token-public-key",
    "string",
    ["STREAMS_TOKEN_PUBLIC_KEY_FILES"],
    "none",
    "PEM (SPKI) or JWK file of an EdDSA/ES256 token issuer (repeatable; the variable takes a comma-separated list)",
    "<file>",
  ),
  ops(
    "token-jwks-url",
    "string",
    ["STREAMS_TOKEN_JWKS_URL"],
    "none",
    "JWKS URL of token issuers' public keys",
    "<url>",
  ),
  ops(
    "token-issuer",
    "string",
    ["STREAMS_TOKEN_ISSUER"],
    "any",
    'required "iss" claim of scoped tokens',
    "<iss>",
  ),
  ops(
    "token-audience",
    "string",
    ["STREAMS_TOKEN_AUDIENCE"],
    "any",
    'required "aud" claim of scoped tokens',
    "<aud>",
  ),
  ops(
    "cors-origin",
    "string",
    ["STREAMS_CORS_ORIGINS"],
    "* without auth, none with it",
    "browser origin allowed to read responses (repeatable, or *; the variable takes a comma-separated list)",
    "<origin>",
  ),
  ops(
    "drain-delay-ms",
    "string",
    [],
    "0",
    "on SIGTERM keep serving this long with /readyz at 503",
    "<n>",
  ),
  ops("no-metrics", "boolean", [], "off", "do not serve /metrics"),
  ops("registry", "boolean", [], "off", "keep the lifecycle event stream __ds/registry"),
  ops(
    "compression",
    "boolean",
    [],
    "off",
    "compress catch-up reads of textual streams (br, gzip, deflate)",
  ),
  ops(
    "compression-threshold-bytes",
    "string",
    [],
    "1024",
    "smallest body compressed (with --compression)",
    "<n>",
  ),
  ops(
    "rate-limit-rps",
    "string",
    [],
    "off",
    "rate limit per bearer credential (or client address without one): sustained requests per second",
    "<n>",
  ),
  ops(
    "rate-limit-burst",
    "string",
    [],
    "one second's worth",
    "rate limit: requests at once",
    "<n>",
  ),
  ops(
    "rate-limit-bytes-per-sec",
    "string",
    [],
    "off",
    "rate limit: sustained request body bytes per second",
    "<n>",
  ),
  ops(
    "rate-limit-burst-bytes",
    "string",
    [],
    "one second's worth",
    "rate limit: body bytes at once",
    "<n>",
  ),
  ops(
    "rate-limit-max-clients",
    "string",
    [],
    "10000",
    "clients remembered by the rate limiter",
    "<n>",
  ),
];

/** `--help` text of the server, `program` being how it was invoked. */
export function usage(program = "durastream-server"): string {
  const flagged = SERVER_SETTINGS.filter((s) => s.flag !== null);
  const left = (s: ServerSetting) => `--${s.flag}${s.placeholder ? ` ${s.placeholder}` : ""}`;
  const width = Math.max(...flagged.map((s) => left(s).length), "-h, --help".length);
  const lines = flagged.map((s) => {
    const pad = "".padEnd(width + 4);
    const env = s.env.length > 0 ? `env ${s.env.join(", ")}; ` : "";
    return `  ${left(s).padEnd(width)}  ${s.description}\n${pad}${env}default ${s.defaultText}`;
  });
  const envOnly = SERVER_SETTINGS.filter((s) => s.flag === null).map(
    (s) => `  ${s.env.join(" / ")}: ${s.description}`,
  );
  return `Usage: ${program} [options]

Options (a flag wins over its environment variable):
${lines.join("\n")}
  ${"-h, --help".padEnd(width)}  show this help
  ${"-v, --version".padEnd(width)}  print the version

Environment only:
${envOnly.join("\n")}`;
}

/** The Markdown configuration table of the README and docs/server.md. */
export function configurationTable(): string {
  const rows = SERVER_SETTINGS.map((s) => {
    const flag = s.flag === null ? "" : `\`--${s.flag}\``;
    const env = s.env.map((name) => `\`${name}\``).join(", ");
    return `| ${flag} | ${env} | ${s.defaultText} | ${s.description} |`;
  });
  return ["| flag | environment | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}
