/** `durastream create`: creates a stream (PUT). */

import { DurableStream } from "@durastream/client";
import { COMMON_OPTIONS, nonNegativeInteger, parsePathCommand, timestamp } from "../args.js";
import type { Command } from "../command.js";
import { JSON_CONTENT_TYPE } from "../content-type.js";
import { describeFailure, ExitCode, UsageError } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream create <path> [options]

Creates a stream and prints its URL. Creating a stream that already exists
with the same configuration succeeds; with another configuration it fails (exit 4).

Options:
  --content-type <type>  content type (default application/octet-stream)
  --json                 shorthand for --content-type application/json
  --ttl <seconds>        delete the stream after this many seconds without access
  --expires-at <time>    delete the stream at this RFC 3339 time
  --closed               create it already closed (no appends accepted)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  "content-type": { type: "string" },
  json: { type: "boolean" },
  ttl: { type: "string" },
  "expires-at": { type: "string" },
  closed: { type: "boolean" },
} as const;

/** Runs `durastream create`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, OPTIONS);
  if (values.json && values["content-type"] !== undefined) {
    throw new UsageError("--json and --content-type are exclusive");
  }
  const ttlSeconds = nonNegativeInteger("--ttl", values.ttl);
  const expiresAt = timestamp("--expires-at", values["expires-at"]);
  if (ttlSeconds !== undefined && expiresAt !== undefined) {
    throw new UsageError("--ttl and --expires-at are exclusive");
  }
  const target = resolveTarget(values, io.env);
  const options = handleOptions(target, path, io.signal);
  try {
    await DurableStream.create({
      ...options,
      contentType: values.json ? JSON_CONTENT_TYPE : values["content-type"],
      ttlSeconds,
      expiresAt,
      closed: values.closed,
    });
  } catch (error) {
    throw describeFailure(error, subjectOf(target, path));
  }
  await write(io.stdout, `${options.url}\n`);
  return ExitCode.OK;
}

/** `durastream create <path>`. */
export const createCommand: Command = {
  name: "create",
  summary: "create a stream",
  usage: USAGE,
  run,
};
