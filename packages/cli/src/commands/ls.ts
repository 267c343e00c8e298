/** `durastream ls`: lists streams through durastream's `__ds/streams` extension. */

import { DurableStreamError, type ListedStream, listStreams } from "@durastream/client";
import { COMMON_OPTIONS, nonNegativeInteger, parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";
import { CliError, describeFailure, ExitCode } from "../errors.js";
import { formatBytes, formatTime } from "../format.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { retryingFetch } from "../retrying-fetch.js";
import { colorsFor } from "../style.js";
import { resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream ls [prefix] [options]

Lists the streams whose path starts with [prefix] (all when absent), in path
order. On a terminal: a table (at most --limit rows, default 1000). In a pipe:
one path per line. With --json: one JSON object per stream and line (path,
contentType, nextOffset, bytes, closed, createdAt, expiresAt, ttlSeconds,
forkedFrom).

Options:
  --json           one JSON object per line
  --limit <n>      list at most n streams (default: all; 1000 on a terminal)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  json: { type: "boolean" },
  limit: { type: "string" },
} as const;

/** Rows a terminal table shows unless --limit says otherwise. */
const TERMINAL_LIMIT = 1000;
/** Streams fetched per request. */
const PAGE_SIZE = 1000;

async function table(streams: ListedStream[], io: Io): Promise<string> {
  // cli-table3 is loaded only to draw a table: piped listings start faster.
  const { newTable } = await import("../table.js");
  const c = colorsFor(io.stdout, io.env);
  const out = newTable(
    ["path", "type", "size", "state", "created (UTC)", "expires", "forked from"],
    io,
  );
  for (const s of streams) {
    const expires =
      s.ttlSeconds !== null ? `ttl ${s.ttlSeconds}s` : s.expiresAt ? formatTime(s.expiresAt) : "";
    out.push([
      s.path,
      s.contentType,
      formatBytes(s.bytes),
      s.closed ? c.yellow("closed") : c.green("open"),
      formatTime(s.createdAt),
      expires,
      s.forkedFrom ? s.forkedFrom.path : "",
    ]);
  }
  return `${out.toString()}\n`;
}

/** Runs `durastream ls`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS, {
    min: 0,
    max: 1,
    names: "[prefix]",
  });
  const prefix = (positionals[0] ?? "").replace(/^\/+/, "");
  const terminal = io.stdout.isTTY === true && values.json !== true;
  const limit =
    nonNegativeInteger("--limit", values.limit) ?? (terminal ? TERMINAL_LIMIT : Infinity);
  const target = resolveTarget(values, io.env);
  const shown: ListedStream[] = [];
  let count = 0;
  let more = false;
  try {
    pages: for await (const page of listStreams({
      url: target.root,
      prefix,
      limit: Math.min(PAGE_SIZE, Math.max(1, limit === Infinity ? PAGE_SIZE : limit + 1)),
      headers: target.headers,
      signal: io.signal,
      fetch: retryingFetch(),
    })) {
      for (const stream of page.streams) {
        if (count >= limit) {
          more = true;
          break pages;
        }
        // A pipe gets each stream as it comes; a table needs them all first.
        if (values.json) await write(io.stdout, `${JSON.stringify(stream)}\n`);
        else if (!terminal) await write(io.stdout, `${stream.path}\n`);
        else shown.push(stream);
        count++;
      }
    }
  } catch (error) {
    if (error instanceof DurableStreamError && error.status === 404) {
      throw new CliError(
        `the server at ${target.root} cannot list streams`,
        ExitCode.FAILURE,
        "listing is durastream's __ds/streams extension; other servers do not have it",
        error,
      );
    }
    throw describeFailure(error, subjectOf(target, prefix || "/"));
  }
  if (terminal) {
    const c = colorsFor(io.stdout, io.env);
    if (shown.length === 0) {
      await write(io.stdout, c.dim(`no streams${prefix ? ` under ${prefix}` : ""}\n`));
    } else {
      await write(io.stdout, await table(shown, io));
      const note = more
        ? `first ${shown.length} streams; more with --limit <n>, or all with --json`
        : `${shown.length} stream${shown.length === 1 ? "" : "s"}`;
      await write(io.stdout, c.dim(`${note}\n`));
    }
  }
  return io.signal.aborted ? ExitCode.INTERRUPTED : ExitCode.OK;
}

/** `durastream ls [prefix]`. */
export const lsCommand: Command = {
  name: "ls",
  summary: "list streams (all, or those under a prefix)",
  usage: USAGE,
  run,
};
