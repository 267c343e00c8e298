#!/usr/bin/env node
/** `durastream-server`: runs the server until SIGINT/SIGTERM, then shuts down cleanly. */

import { pino } from "pino";
import { parseConfig, USAGE } from "./config.js";
import { startServer } from "./server.js";

/** Never logged, wherever they appear in a log object. */
const REDACTED = [
  "secret",
  "token",
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "*.secret",
  "*.token",
];

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = pino({ level: config.logLevel, redact: REDACTED });
  const server = await startServer({ ...config.options, logger });
  let stopping = false;
  const stop = (signal: string) => {
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
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`durastream-server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
