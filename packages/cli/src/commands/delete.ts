/** `durastream delete`: deletes a stream. */

import { DurableStream } from "@durastream/client";
import { COMMON_OPTIONS, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { describeFailure, ExitCode } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import type { Io } from "../io.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream delete <path> [options]

Deletes a stream and its data. Prints nothing; exits 3 if there is no such stream.
A stream that still has forks is kept for them, but is gone for everyone else.

${CONNECTION_HELP}`;

/** Runs `durastream delete`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, COMMON_OPTIONS);
  const target = resolveTarget(values, io.env);
  try {
    await DurableStream.delete(handleOptions(target, path, io.signal));
  } catch (error) {
    throw describeFailure(error, subjectOf(target, path));
  }
  return ExitCode.OK;
}

/** `durastream delete <path>`. */
export const deleteCommand: Command = {
  name: "delete",
  summary: "delete a stream",
  usage: USAGE,
  run,
};
