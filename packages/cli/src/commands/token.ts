/** `durastream token`: prints a scoped HS256 token signed with STREAMS_SECRET. */

import { OPERATIONS, type Operation, signStreamToken } from "@durastream/server";
import { COMMON_OPTIONS, parseCommandArgs } from "../args.js";
import type { Command } from "../command.js";
import { ExitCode, UsageError } from "../errors.js";
import { type Io, write } from "../io.js";

const USAGE = `Usage: durastream token --path <glob> --ops <list> [--ttl <duration>] [--sub <subject>]

Prints a bearer token (HS256 JWT) signed with STREAMS_SECRET (or
DURABLE_STREAMS_SECRET). A server started with the same secret accepts it for
the named paths and operations until it expires.

Options:
  --path <glob>      stream path glob, relative to the stream root (repeatable):
                     * matches within one segment, ** any number of segments
                     ('chat/42/**' covers chat/42 and everything below it)
  --ops <list>       comma-separated: ${OPERATIONS.join(", ")} (admin grants all)
  --ttl <duration>   lifetime: 90s, 15m, 1h, 7d or plain seconds (default 1h)
  --sub <subject>    subject claim, shown in server logs
  --token <secret>   the secret to sign with, instead of STREAMS_SECRET
  -h, --help         show this help

Example:
  durastream token --path 'chat/**' --ops read --ttl 1h`;

const OPTIONS = {
  // The global options are accepted here too; --token is the signing secret.
  ...COMMON_OPTIONS,
  path: { type: "string", multiple: true },
  ops: { type: "string" },
  ttl: { type: "string" },
  sub: { type: "string" },
} as const;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses `90s`, `15m`, `1h`, `7d` or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || "s"]! : 0;
  if (!(seconds > 0)) throw new UsageError(`--ttl must be a positive duration, got "${text}"`);
  return seconds;
}

function parseOps(text: string | undefined): Operation[] {
  if (text === undefined) throw new UsageError("missing --ops");
  const ops = text
    .split(",")
    .map((op) => op.trim())
    .filter((op) => op !== "");
  const unknown = ops.find((op) => !(OPERATIONS as readonly string[]).includes(op));
  if (unknown !== undefined || ops.length === 0) {
    throw new UsageError(`--ops takes ${OPERATIONS.join(", ")}; got "${unknown ?? text}"`);
  }
  return ops as Operation[];
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: "" });
  const paths = values.path ?? [];
  if (paths.length === 0) throw new UsageError("missing --path");
  const ops = parseOps(values.ops);
  const ttlSeconds = parseDuration(values.ttl ?? "1h");
  const secret = values.token || io.env.STREAMS_SECRET || io.env.DURABLE_STREAMS_SECRET;
  if (!secret) {
    throw new UsageError("set STREAMS_SECRET (or --token) to the server's secret to sign tokens");
  }
  let token: string;
  try {
    token = await signStreamToken(secret, {
      paths,
      ops,
      ttlSeconds,
      ...(values.sub === undefined ? {} : { subject: values.sub }),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await write(io.stdout, `${token}\n`);
  return ExitCode.OK;
}

/** `durastream token`. */
export const tokenCommand: Command = {
  name: "token",
  summary: "print a scoped access token signed with STREAMS_SECRET",
  usage: USAGE,
  run,
};
