/** `durastream fork`: creates a stream that branches off another one (PUT with Stream-Forked-From). */

import { FetchError, forkStream } from "@durastream/client";
import { COMMON_OPTIONS, nonNegativeInteger, parsePathCommand, timestamp } from "../args.js";
import type { Command } from "../command.js";
import { CliError, describeFailure, ExitCode, serverCode, UsageError } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { handleOptions, resolveTarget, streamUrl, subjectOf } from "../target.js";

const USAGE = `Usage: durastream fork <path> --from <source> [options]

Creates <path> as a fork of <source>: it starts with the source's data up to
the fork offset (nothing is copied) and then lives on its own. Prints its URL.

Options:
  --from <source>        the stream to fork (required; same server)
  --offset <offset>      divergence point: the fork inherits data before it
                         (default: the source's current tail)
  --sub-offset <n>       inherit n more JSON messages (bytes for other types)
                         of the one append that starts at --offset; it never
                         reaches past the next offset a reader sees (the end
                         of that append): to fork after message k of an
                         append, give the append's offset and k
  --content-type <type>  must match the source's (default: inherited)
  --ttl <seconds>        the fork's own time-to-live
  --expires-at <time>    the fork's own RFC 3339 expiry

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  from: { type: "string" },
  offset: { type: "string" },
  "sub-offset": { type: "string" },
  "content-type": { type: "string" },
  ttl: { type: "string" },
  "expires-at": { type: "string" },
} as const;

/** Runs `durastream fork`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, OPTIONS);
  const source = values.from;
  if (source === undefined || source === "") throw new UsageError("missing --from <source>");
  const subOffset = nonNegativeInteger("--sub-offset", values["sub-offset"]);
  const ttl = nonNegativeInteger("--ttl", values.ttl);
  const expiresAt = timestamp("--expires-at", values["expires-at"]);
  if (ttl !== undefined && expiresAt !== undefined) {
    throw new UsageError("--ttl and --expires-at are exclusive");
  }
  const target = resolveTarget(values, io.env);
  const url = streamUrl(target, path);
  const sourceUrl = new URL(streamUrl(target, source));
  if (sourceUrl.origin !== new URL(url).origin) {
    throw new UsageError("--from must name a stream on the same server");
  }
  try {
    await forkStream({
      ...handleOptions(target, path, io.signal),
      source: sourceUrl,
      offset: values.offset,
      subOffset,
      ttlSeconds: ttl,
      expiresAt,
      ...(values["content-type"] !== undefined ? { contentType: values["content-type"] } : {}),
    });
  } catch (error) {
    if (error instanceof FetchError) {
      const code = serverCode(error);
      if (code === "FORK_SOURCE_NOT_FOUND" || (error.status === 404 && code !== "NOT_FOUND")) {
        throw new CliError(
          `source stream not found: ${source}`,
          ExitCode.NOT_FOUND,
          "list streams with 'durastream ls'",
          error,
        );
      }
      if (code === "STREAM_GONE" || error.status === 410) {
        throw new CliError(
          `source stream was deleted: ${source}`,
          ExitCode.NOT_FOUND,
          "list live streams with 'durastream ls'",
          error,
        );
      }
    }
    throw describeFailure(error, subjectOf(target, path));
  }
  await write(io.stdout, `${url}\n`);
  return ExitCode.OK;
}

/** `durastream fork <path> --from <source>`. */
export const forkCommand: Command = {
  name: "fork",
  summary: "create a stream that branches off another one",
  usage: USAGE,
  run,
};
