/** `durastream head`: prints a stream's metadata (HEAD). */

import { DurableStream } from "@durastream/client";
import { COMMON_OPTIONS, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { describeFailure, ExitCode, streamNotFound } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import { type Io, write } from "../io.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream head <path> [options]

Prints a stream's metadata, one "name: value" line each:
  url, content-type, offset (the tail: where the next append lands),
  closed (true/false), and ttl, expires-at, etag when the server sends them.

Options:
  --json           print one JSON object instead

${CONNECTION_HELP}`;

const OPTIONS = { ...COMMON_OPTIONS, json: { type: "boolean" } } as const;

/** Stream metadata as printed by `durastream head`. */
export interface StreamMetadata {
  url: string;
  contentType?: string;
  offset?: string;
  closed: boolean;
  ttl?: number;
  expiresAt?: string;
  etag?: string;
}

function text(meta: StreamMetadata): string {
  const lines = [`url: ${meta.url}`];
  if (meta.contentType !== undefined) lines.push(`content-type: ${meta.contentType}`);
  if (meta.offset !== undefined) lines.push(`offset: ${meta.offset}`);
  lines.push(`closed: ${meta.closed}`);
  if (meta.ttl !== undefined) lines.push(`ttl: ${meta.ttl}`);
  if (meta.expiresAt !== undefined) lines.push(`expires-at: ${meta.expiresAt}`);
  if (meta.etag !== undefined) lines.push(`etag: ${meta.etag}`);
  return `${lines.join("\n")}\n`;
}

/** Runs `durastream head`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path } = parsePathCommand(argv, OPTIONS);
  const target = resolveTarget(values, io.env);
  const options = handleOptions(target, path, io.signal);
  // The client's HeadResult has no TTL/expiry: keep the raw response headers too.
  let headers: Headers | undefined;
  const fetchAndKeep: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    headers = response.headers;
    return response;
  };
  let meta: StreamMetadata;
  try {
    const head = await DurableStream.head({ ...options, fetch: fetchAndKeep });
    if (!head.exists) throw streamNotFound(path);
    const ttl = headers?.get("stream-ttl");
    meta = {
      url: options.url,
      contentType: head.contentType,
      offset: head.offset,
      closed: head.streamClosed,
      ttl: ttl ? Number(ttl) : undefined,
      expiresAt: headers?.get("stream-expires-at") ?? undefined,
      etag: head.etag,
    };
  } catch (error) {
    throw describeFailure(error, subjectOf(target, path));
  }
  await write(io.stdout, values.json ? `${JSON.stringify(meta)}\n` : text(meta));
  return ExitCode.OK;
}

/** `durastream head <path>`. */
export const headCommand: Command = {
  name: "head",
  summary: "print a stream's metadata",
  usage: USAGE,
  run,
};
