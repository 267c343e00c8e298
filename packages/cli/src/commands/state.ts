/** `durastream state`: materializes a State Protocol stream and prints its entities. */

import { DurableStream, stream } from "@durastream/client";
import type { MaterializedState } from "@durastream/state";
import { COMMON_OPTIONS, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { CliError, describeFailure, ExitCode, streamNotFound } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { colorsFor } from "../style.js";
import type { newTable as NewTable } from "../table.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream state <path> [options]

Reads a State Protocol stream (JSON change messages with type, key, value and
headers.operation) from the beginning and prints the latest value of every
entity: one table per collection (entity type), a column per field, on a
terminal; one JSON object per entity and line in a pipe (as --json).

Options:
  -f, --follow     keep following: redraw on every change until the stream is
                   closed or Ctrl-C
  --type <type>    only this collection
  --json           one JSON object per entity and line: {"type","key","value"};
                   with --follow, then one per change, with its "operation"

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  follow: { type: "boolean", short: "f" },
  type: { type: "string" },
  json: { type: "boolean" },
} as const;

/** Clears a terminal and moves the cursor home. */
const CLEAR_SCREEN = "\u001b[H\u001b[2J";

function cell(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** One table per collection, a column per top-level field of the values. */
function tables(
  newTable: typeof NewTable,
  state: MaterializedState,
  only: string | undefined,
  io: Io,
): string {
  const c = colorsFor(io.stdout, io.env);
  const types = state.types.filter((type) => only === undefined || type === only);
  const parts: string[] = [];
  for (const type of types) {
    const entities = state.getType(type);
    const fields: string[] = [];
    for (const value of entities.values()) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
      for (const field of Object.keys(value)) if (!fields.includes(field)) fields.push(field);
    }
    const table = newTable(["key", ...(fields.length > 0 ? fields : ["value"])], io);
    for (const [key, value] of entities) {
      const isRecord = value !== null && typeof value === "object" && !Array.isArray(value);
      table.push([
        key,
        ...(fields.length > 0
          ? fields.map((f) => cell(isRecord ? (value as Record<string, unknown>)[f] : undefined))
          : [cell(value)]),
      ]);
    }
    const count = `${entities.size} entit${entities.size === 1 ? "y" : "ies"}`;
    parts.push(`${c.bold(type)} ${c.dim(`(${count})`)}\n${table.toString()}\n`);
  }
  if (parts.length === 0) return c.dim("no entities yet\n");
  return parts.join("\n");
}

/** True for `application/json` (with or without parameters). */
function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

/**
 * The stream's content type, from a HEAD: a State Protocol stream is JSON,
 * and anything else is refused before a byte of it is read (a large binary
 * stream would otherwise be downloaded only to fail on its first byte).
 */
async function requireJsonStream(
  options: ReturnType<typeof handleOptions>,
  path: string,
): Promise<void> {
  const head = await DurableStream.head(options);
  if (!head.exists) throw streamNotFound(path);
  if (isJsonContentType(head.contentType)) return;
  throw new CliError(
    `${path} is not a JSON stream (content type ${head.contentType ?? "none"}); state reads State Protocol streams, which are application/json`,
    ExitCode.USAGE,
    `read it with 'durastream read ${path}'`,
  );
}

/** Runs `durastream state`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, OPTIONS);
  const target = resolveTarget(values, io.env);
  const follow = values.follow === true;
  const only = values.type;
  const terminal = io.stdout.isTTY === true;
  // Tables are for people at a terminal; a pipe gets NDJSON (docs/cli.md).
  const json = values.json === true || !terminal;
  // Loaded here, not at start-up: every other command starts faster without them.
  const { isChangeEvent, isControlEvent, MaterializedState } = await import("@durastream/state");
  const { newTable } = await import("../table.js");
  const state = new MaterializedState();
  let caughtUp = false;
  try {
    await requireJsonStream(handleOptions(target, path, io.signal), path);
    const response = await stream({
      ...handleOptions(target, path, io.signal),
      offset: "-1",
      live: follow,
      json: true,
    });
    response.subscribeJson(async (batch) => {
      for (const item of batch.items) {
        if (isControlEvent(item)) {
          state.apply(item);
        } else if (isChangeEvent(item)) {
          state.apply(item);
          if (caughtUp && json && (only === undefined || item.type === only)) {
            const change = {
              type: item.type,
              key: item.key,
              operation: item.headers.operation,
              value: item.headers.operation === "delete" ? null : item.value,
            };
            await write(io.stdout, `${JSON.stringify(change)}\n`);
          }
        }
      }
      if (!batch.upToDate && !batch.streamClosed) return;
      if (json) {
        if (!caughtUp) {
          for (const type of state.types) {
            if (only !== undefined && type !== only) continue;
            for (const [key, value] of state.getType(type)) {
              await write(io.stdout, `${JSON.stringify({ type, key, value })}\n`);
            }
          }
        }
      } else if (!caughtUp || batch.items.length > 0) {
        // On a terminal a live view redraws in place; in a pipe each update is appended.
        const prefix = follow && terminal ? CLEAR_SCREEN : caughtUp ? "\n" : "";
        await write(io.stdout, prefix + tables(newTable, state, only, io));
      }
      caughtUp = true;
    });
    await response.closed;
  } catch (error) {
    if (io.signal.aborted) return ExitCode.INTERRUPTED;
    if (error instanceof CliError) throw error;
    throw describeFailure(error, subjectOf(target, path));
  }
  return io.signal.aborted ? ExitCode.INTERRUPTED : ExitCode.OK;
}

/** `durastream state <path>`. */
export const stateCommand: Command = {
  name: "state",
  summary: "print the entities of a State Protocol stream (-f: live)",
  usage: USAGE,
  run,
};
