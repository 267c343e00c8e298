/** `durastream close`: closes a stream, optionally with a final message. */

import { DurableStream } from "@durastream/client";
import { COMMON_OPTIONS, checkJson, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { isJsonContentType } from "../content-type.js";
import { describeFailure, ExitCode } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream close <path> [final-data] [options]

Closes a stream: readers see its end and appends are refused. With final-data,
that message is appended atomically with the close (on a JSON stream it must be
one JSON value). Prints the stream's final offset.

Closing a closed stream again without final-data succeeds; with final-data it
fails (exit 4).

${CONNECTION_HELP}`;

/** Runs `durastream close`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path, value: body } = parsePathCommand(argv, COMMON_OPTIONS, "optional value");
  const target = resolveTarget(values, io.env);
  let finalOffset: string;
  try {
    // Learn the content type (and that the stream exists) first: a JSON final
    // message is framed differently.
    const handle = await DurableStream.connect(handleOptions(target, path, io.signal));
    if (body !== undefined && isJsonContentType(handle.contentType)) {
      checkJson(body, "final-data");
    }
    ({ finalOffset } = await handle.close(body === undefined ? {} : { body }));
  } catch (error) {
    throw describeFailure(error, subjectOf(target, path));
  }
  await write(io.stdout, `${finalOffset}\n`);
  return ExitCode.OK;
}

/** `durastream close <path> [final-data]`. */
export const closeCommand: Command = {
  name: "close",
  summary: "close a stream (optionally with a final message)",
  usage: USAGE,
  run,
};
