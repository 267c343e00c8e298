/**
 * @durastream/cli — the `durastream` command, also usable as a library:
 * `run(argv, io)` runs a command line against the given standard streams.
 *
 * @packageDocumentation
 */

export { COMMANDS, run } from "./cli.js";
export type { Command } from "./command.js";
export { CliError, describeFailure, ExitCode, type FailureSubject, UsageError } from "./errors.js";
export type { Io } from "./io.js";
export { DEFAULT_STREAMS_URL, resolveTarget, streamUrl, type Target } from "./target.js";
