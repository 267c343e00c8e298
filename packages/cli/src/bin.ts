#!/usr/bin/env node
/** `durastream`: the command-line entry point. */

import { run } from "./cli.js";
import { ExitCode } from "./errors.js";

const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  // A second signal means "now": skip graceful shutdown.
  if (interrupt.signal.aborted) process.exit(ExitCode.INTERRUPTED);
  interrupt.abort(signal);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

// A reader that went away (`durastream read x | head -1`) is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(ExitCode.OK);
  throw error;
});

run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupt.signal,
}).then(
  (code) => {
    // Leave once stdout is flushed; idle keep-alive sockets must not hold the process.
    process.stdout.write("", () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`durastream: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(ExitCode.FAILURE);
  },
);
