/** `durastream tail`: follows a stream live, writing new data to stdout. */

import { DurableStream, type LiveMode, stream } from "@durastream/client";
import { COMMON_OPTIONS, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import {
  describeFailure,
  ExitCode,
  readOffsetFailure,
  streamNotFound,
  UsageError,
} from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { copyToOutput } from "../output.js";
import { handleOptions, resolveTarget, subjectOf, type Target } from "../target.js";

const USAGE = `Usage: durastream tail <path> [options]

Follows a stream: writes data to stdout as it is appended, until the stream is
closed (exit 0) or you press Ctrl-C (exit 130). Byte and text streams are
copied byte for byte; JSON streams are written as one JSON message per line.
Dropped connections are resumed from the last delivered offset.

Options:
  --offset <offset>    where to start: now (default: only new data), -1 (the
                       beginning), or an offset printed by head/close/read
  --sse                live updates over Server-Sent Events
  --long-poll          live updates over long-polling
                       (default: SSE for text and JSON streams, else long-poll)
  --json               read the stream as JSON whatever its content type

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  offset: { type: "string" },
  sse: { type: "boolean" },
  "long-poll": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** The live mode the --sse / --long-poll flags ask for (default: SSE, else long-poll). */
export function liveModeOf(values: { sse?: boolean; "long-poll"?: boolean }): LiveMode {
  if (values.sse && values["long-poll"]) {
    throw new UsageError("--sse and --long-poll are exclusive");
  }
  return values.sse ? "sse" : values["long-poll"] ? "long-poll" : true;
}

/**
 * A `fetch` that, on a terminal, says when the server stopped answering and
 * when it answers again: the client retries a live read for as long as it
 * takes, and silence for minutes looks like a hang. In a pipe nothing is
 * printed (stderr stays clean for scripts).
 */
function reconnectNotices(io: Io, target: Target): typeof fetch {
  const terminal = io.stderr.isTTY === true;
  let reconnecting = false;
  return async (input, init) => {
    try {
      const response = await fetch(input, init);
      if (reconnecting) {
        reconnecting = false;
        if (terminal) await write(io.stderr, "durastream: reconnected\n");
      }
      return response;
    } catch (error) {
      const aborted = io.signal.aborted || (error as Error).name === "AbortError";
      if (!aborted && !reconnecting) {
        reconnecting = true;
        if (terminal) {
          await write(
            io.stderr,
            `durastream: cannot reach ${target.root}; reconnecting… (Ctrl-C to stop)\n`,
          );
        }
      }
      throw error;
    }
  };
}

/**
 * Follows `path` from `offset`, copying data to stdout until the stream is
 * closed (exit 0) or the command is interrupted (exit 130). With the default
 * live mode the client uses SSE where the content type allows it and falls
 * back to long-polling when SSE connections keep failing (a buffering proxy).
 */
export async function followStream(
  io: Io,
  target: Target,
  path: string,
  how: { offset: string; live: LiveMode; json: boolean },
): Promise<number> {
  const options = handleOptions(target, path, io.signal);
  try {
    // Fail fast on a missing stream or an unreachable server (bounded retries);
    // once following, reconnects are retried for as long as it takes.
    const head = await DurableStream.head(options);
    if (!head.exists) throw streamNotFound(path);
    const response = await stream({
      ...options,
      offset: how.offset,
      live: how.live,
      json: how.json,
      fetch: reconnectNotices(io, target),
    });
    await copyToOutput(response, io.stdout, how.json);
  } catch (error) {
    if (io.signal.aborted) return ExitCode.INTERRUPTED;
    throw readOffsetFailure(error) ?? describeFailure(error, subjectOf(target, path));
  }
  return io.signal.aborted ? ExitCode.INTERRUPTED : ExitCode.OK;
}

/** Runs `durastream tail`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, OPTIONS);
  const live = liveModeOf(values);
  const target = resolveTarget(values, io.env);
  return followStream(io, target, path, {
    offset: values.offset ?? "now",
    live,
    json: values.json === true,
  });
}

/** `durastream tail <path>`. */
export const tailCommand: Command = {
  name: "tail",
  summary: "follow a stream live until it is closed or Ctrl-C",
  usage: USAGE,
  run,
};
