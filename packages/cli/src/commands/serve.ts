/** `durastream serve`: runs the Durable Streams server until SIGINT/SIGTERM. */

import type { ServerOptions } from "@durastream/server";
import { parseArgsMessage } from "../args.js";
import type { Command } from "../command.js";
import { CliError, ExitCode, UsageError } from "../errors.js";
import { type Io, write } from "../io.js";

/** `--help` of `durastream serve`: the server's own usage, under this command's name. */
const SERVE_USAGE_LINE = "Usage: durastream serve [options]";

// The server (SQLite, pino) is loaded only when serving: other commands start faster.
async function loadServer() {
  const server = await import("@durastream/server");
  return {
    ...server,
    usage: server.USAGE.replace(/^Usage: durastream-server/, "Usage: durastream serve"),
  };
}

function listenFailure(error: unknown, options: ServerOptions): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${options.host}:${options.port}`;
  if (code === "EADDRINUSE") {
    return new CliError(
      `cannot listen on ${where}: address in use`,
      ExitCode.FAILURE,
      "pick another port with --port (or PORT), or stop the other server",
    );
  }
  if (code === "EACCES") return new CliError(`cannot listen on ${where}: permission denied`);
  if (code === "EADDRNOTAVAIL") return new CliError(`cannot listen on ${where}: no such address`);
  return new CliError(`cannot start server: ${(error as Error).message}`);
}

/** Runs `durastream serve`: same flags, environment and logs as `durastream-server`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { parseConfig, startProcessServer, serverVersion, usage } = await loadServer();
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(argv, io.env);
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
  if (config.help) {
    await write(io.stdout, `${usage}\n`);
    return ExitCode.OK;
  }
  if (config.version) {
    await write(io.stdout, `${serverVersion()}\n`);
    return ExitCode.OK;
  }
  let started: Awaited<ReturnType<typeof startProcessServer>>;
  try {
    started = await startProcessServer(config, io.stdout, "Ctrl-C");
  } catch (error) {
    if ((error as Error).message?.includes("unknown level")) {
      throw new UsageError(`--log-level: ${(error as Error).message}`);
    }
    throw listenFailure(error, config.options);
  }
  const { server, logger } = started;
  const signal = await new Promise<string>((resolve) => {
    if (io.signal.aborted) resolve(String(io.signal.reason));
    io.signal.addEventListener("abort", () => resolve(String(io.signal.reason)), { once: true });
  });
  logger.info({ signal }, "shutting down");
  try {
    await server.close();
  } catch (error) {
    logger.error({ err: error }, "shutdown failed");
    return ExitCode.FAILURE;
  }
  return ExitCode.OK;
}

/** `durastream serve`. */
export const serveCommand: Command = {
  name: "serve",
  summary: "run a Durable Streams server (SQLite or in-memory)",
  usage: `${SERVE_USAGE_LINE}\n\nRun 'durastream serve --help' for its options.`,
  run,
};
