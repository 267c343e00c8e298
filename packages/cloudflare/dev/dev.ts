/**
 * `npm run dev:cloudflare`: the Worker on workerd (Miniflare) at
 * http://127.0.0.1:8787, streams under `/v1/stream/`.
 *
 *   npm run dev:cloudflare -- --port 9000 --persist-to ./data-cf
 */

import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { LogLevel } from "miniflare";
import { startLocalWorker } from "./local-worker.js";
import { watchWorkerd } from "./workerd-watchdog.js";

/**
 * Whether `host:port` can be bound. Checked before workerd starts: workerd
 * reports a busy port as a fatal kj::Exception with a native stack trace.
 */
async function portIsFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return true;
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The proxy's variables, passed through from the environment (docs/proxy.md). */
const PROXY_VARS = [
  "STREAMS_PROXY_ALLOWLIST",
  "STREAMS_PROXY_ALLOW_LOCALHOST",
  "STREAMS_PROXY_SIGNING_KEY",
  "STREAMS_PROXY_URL_TTL",
  "STREAMS_PROXY_HEADER_TIMEOUT_MS",
  "STREAMS_PROXY_IDLE_TIMEOUT_MS",
  "STREAMS_PROXY_MAX_DURATION_MS",
  "STREAMS_PROXY_MAX_RESPONSE_BYTES",
  "STREAMS_PROXY_MAX_REQUEST_BYTES",
  "STREAMS_PROXY_WATCH_MS",
] as const;

const USAGE = `Usage: npm run dev:cloudflare -- [options]

Options:
  --port <n>           listen port (default 8787)
  --host <addr>        interface to bind (default 127.0.0.1)
  --persist-to <dir>   keep the objects' SQLite files in <dir> (default: in memory)
  --var NAME=VALUE     a Worker variable, e.g. LONG_POLL_TIMEOUT_MS=3000 (repeatable)
  -h, --help           show this help

Environment:
  STREAMS_SECRET / DURABLE_STREAMS_SECRET   require "Authorization: Bearer <secret>"
  STREAMS_ALLOW_LOCALHOST_WEBHOOKS=1        accept loopback webhook URLs (development)
  STREAMS_PROXY_ALLOWLIST=<globs>           serve the durable proxy at /v1/proxy (docs/proxy.md)
  STREAMS_PROXY_ALLOW_LOCALHOST=1           let the proxy reach loopback upstreams (development)
  STREAMS_PROXY_SIGNING_KEY=<key>           key of the proxy's signed URLs (default: the secret,
                                            else a random key per run)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "persist-to": { type: "string" },
      var: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer 0-65535, got "${values.port}"`);
  }
  const vars: Record<string, string> = {};
  for (const entry of values.var ?? []) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new Error(`--var takes NAME=VALUE, got "${entry}"`);
    vars[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const secret = process.env.STREAMS_SECRET || process.env.DURABLE_STREAMS_SECRET;
  if (secret) vars.STREAMS_SECRET = secret;
  const localhostWebhooks = process.env.STREAMS_ALLOW_LOCALHOST_WEBHOOKS;
  if (localhostWebhooks) vars.STREAMS_ALLOW_LOCALHOST_WEBHOOKS ??= localhostWebhooks;
  for (const name of PROXY_VARS) {
    const value = process.env[name];
    if (value) vars[name] ??= value;
  }
  // A deployment must set a signing key; a local run without one gets a
  // random key (signed URLs then last until the next start).
  if (vars.STREAMS_PROXY_ALLOWLIST && !vars.STREAMS_PROXY_SIGNING_KEY && !vars.STREAMS_SECRET) {
    vars.STREAMS_PROXY_SIGNING_KEY = randomBytes(32).toString("hex");
  }
  const host = values.host ?? "127.0.0.1";
  if (!(await portIsFree(host, port))) {
    console.error(
      `cannot listen on ${host}:${port}: address in use — stop the other server or pick another port with --port`,
    );
    process.exit(1);
  }
  const worker = await startLocalWorker({
    port,
    host,
    persistTo: values["persist-to"],
    vars,
    logLevel: LogLevel.INFO,
  });
  watchWorkerd();
  console.log(`durastream (Cloudflare Worker on workerd) listening on ${worker.url}`);
  console.log(`streams: ${worker.url}/v1/stream/<path>`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  // Miniflare's own exit hook kills workerd and exits with 128+signal; this
  // one disposes it (connections closed, SQLite files released) and exits 0.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGHUP", () => stop("SIGHUP"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
