/**
 * A server run as a process (`durastream-server`, `durastream serve`,
 * `npm start`): logger in the chosen format, and the banner on a terminal.
 */

import type { Writable } from "node:stream";
import type { Logger } from "pino";
import { type RunningServer, startServer } from "../server.js";
import { banner, serverVersion } from "./banner.js";
import type { ParsedConfig } from "./config.js";
import { createProcessLogger, resolveLogFormat } from "./process-logger.js";

/** A parsed configuration that asks to run a server. */
export type RunConfig = Extract<ParsedConfig, { options: unknown }>;

/** A started process server and its logger. */
export interface ProcessServer {
  readonly server: RunningServer;
  readonly logger: Logger;
}

/**
 * Starts the server `config` describes, logging to `stdout`; on a terminal
 * (or with `--log-format pretty`) prints the banner once it listens.
 * `stopHint` says how to stop it (e.g. `Ctrl-C`). Throws when it cannot
 * listen or the log level is unknown.
 */
export async function startProcessServer(
  config: RunConfig,
  stdout: Writable & { readonly isTTY?: boolean },
  stopHint = "Ctrl-C (or SIGTERM)",
): Promise<ProcessServer> {
  const format = resolveLogFormat(config.logFormat, stdout.isTTY === true);
  const logger = createProcessLogger(config.logLevel, format, stdout);
  const server = await startServer({ ...config.options, logger });
  if (format === "pretty") {
    stdout.write(
      banner({
        version: serverVersion(),
        url: server.url,
        basePath: config.options.basePath ?? "/v1/stream",
        dataDir: config.options.memory ? null : (config.options.dataDir ?? "./data"),
        auth: config.options.secret !== undefined,
        consoleUrl: server.consoleUrl,
        stop: stopHint,
      }),
    );
  }
  return { server, logger };
}
