#!/usr/bin/env node
/** `durastream`: the command-line entry point. */

import { onShutdown } from "@durastream/server/shutdown-signals";
import { run } from "./cli.js";
import { ExitCode } from "./errors.js";

const interrupt = new AbortController();
// SIGINT, SIGTERM, SIGHUP, or the npm process of `npx durastream …` gone
// (npm does not pass its signals through the shell it starts node under).
onShutdown((reason) => {
  interrupt.abort(reason);
  // A second Ctrl-C or SIGTERM means "now": skip graceful shutdown. Not a
  // SIGHUP: the terminal hangs up by itself once the npx that owned it has
  // gone, and cutting the shutdown then would leave the database unclosed.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => process.exit(ExitCode.INTERRUPTED));
  }
});

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
