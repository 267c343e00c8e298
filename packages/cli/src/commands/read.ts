/** `durastream read`: catches up on a stream and writes it to stdout. */

import { stream } from "@durastream/client";
import { COMMON_OPTIONS, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { describeFailure, ExitCode, readOffsetFailure, UsageError } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { copyToOutput } from "../output.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";
import { followStream, liveModeOf } from "./tail.js";

const USAGE = `Usage: durastream read <path> [options]

Writes the stream's data from --offset up to its current tail to stdout and
exits; with -f, keeps following it until it is closed (exit 0) or Ctrl-C
(exit 130). Byte and text streams are copied byte for byte; JSON streams are
written as one JSON message per line.

Options:
  --offset <offset>    where to start: -1 (the beginning; default), now, or an
                       offset printed by head/close/--print-offset
  -f, --follow         keep following: SSE for text and JSON streams, falling
                       back to long-polling when SSE keeps failing (e.g. a
                       buffering proxy); long-polling for other streams
  --sse, --long-poll   with -f: force one live mode
  --json               read the stream as JSON whatever its content type
  --print-offset       print the offset to resume from on stderr when done
                       (without -f)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  offset: { type: "string" },
  follow: { type: "boolean", short: "f" },
  sse: { type: "boolean" },
  "long-poll": { type: "boolean" },
  json: { type: "boolean" },
  "print-offset": { type: "boolean" },
} as const;

/** Runs `durastream read`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, OPTIONS);
  const target = resolveTarget(values, io.env);
  if (values.follow) {
    if (values["print-offset"]) throw new UsageError("--print-offset needs a read without -f");
    return followStream(io, target, path, {
      offset: values.offset ?? "-1",
      live: liveModeOf(values),
      json: values.json === true,
    });
  }
  if (values.sse || values["long-poll"]) throw new UsageError("--sse and --long-poll need -f");
  try {
    const response = await stream({
      ...handleOptions(target, path, io.signal),
      offset: values.offset ?? "-1",
      live: false,
      json: values.json === true,
      // Bounded: a catch-up read against a dead server must fail, not wait forever.
      backoffOptions: { initialDelay: 100, maxDelay: 2_000, multiplier: 1.5, maxRetries: 8 },
    });
    const result = await copyToOutput(response, io.stdout, values.json === true);
    if (values["print-offset"]) await write(io.stderr, `${result.offset}\n`);
  } catch (error) {
    throw readOffsetFailure(error) ?? describeFailure(error, subjectOf(target, path));
  }
  return io.signal.aborted ? ExitCode.INTERRUPTED : ExitCode.OK;
}

/** `durastream read <path>`. */
export const readCommand: Command = {
  name: "read",
  summary: "write a stream's data to stdout (then exit, or -f: keep following)",
  usage: USAGE,
  run,
};
