#!/usr/bin/env node
/** `durastream-server`: runs the server until SIGINT/SIGTERM/SIGHUP (or its npm launcher exits), then shuts down cleanly. */

import { serverVersion } from "./process/banner.js";
import { parseConfig, USAGE } from "./process/config.js";
import { startProcessServer } from "./process/process-server.js";
import { onShutdown, type ShutdownReason } from "./process/shutdown-signals.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(
      `durastream-server: ${(error as Error).message}\nRun 'durastream-server --help' for the options.\n`,
    );
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (config.version) {
    process.stdout.write(`${serverVersion()}\n`);
    return;
  }
  const { server, logger } = await startProcessServer(config, process.stdout);
  let stopping = false;
  const stop = (signal: ShutdownReason) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  onShutdown(stop);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === "EADDRINUSE"
      ? "cannot listen: the address is in use (pick another with --port or PORT)"
      : ((error as Error).stack ?? String(error));
  process.stderr.write(`durastream-server: ${message}\n`);
  process.exit(1);
});
