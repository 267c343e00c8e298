/** `durastream append`: appends an argument, stdin, or stdin line by line. */

import { randomUUID } from "node:crypto";
import { DurableStream, IdempotentProducer } from "@durastream/client";
import { COMMON_OPTIONS, checkJson, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { isJsonContentType, JSON_CONTENT_TYPE } from "../content-type.js";
import { CliError, describeFailure, ExitCode, UsageError } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import type { Io } from "../io.js";
import { splitLines } from "../lines.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream append <path> [data] [options]

Appends data to a stream. With a data argument, appends it as one message.
Without one, reads stdin:
  - by default, all of stdin is sent as one append (streamed, byte for byte);
  - with --lines (implied by --json), every line is its own message, sent as it
    arrives (batched, exactly once, in order) — suited to never-ending input.
On byte and text streams a line keeps its newline; on JSON streams each line
must be one JSON value (blank lines are skipped).

Options:
  --content-type <type>  content type of the data (default: the stream's)
  --json                 data is JSON: checked before sending; stdin is read as
                         one JSON value per line; content type application/json
  --lines                stdin: one message per line

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  "content-type": { type: "string" },
  json: { type: "boolean" },
  lines: { type: "boolean" },
} as const;

/** Producer batches still unacknowledged before reading more of stdin. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

async function appendLines(handle: DurableStream, io: Io, json: boolean): Promise<void> {
  let failure: Error | undefined;
  const producer = new IdempotentProducer(handle, `durastream-cli-${randomUUID()}`, {
    autoClaim: true,
    signal: io.signal,
    onError: (error) => {
      failure ??= error;
    },
  });
  const decoder = new TextDecoder();
  let lineNumber = 0;
  let unflushed = 0;
  try {
    for await (const line of splitLines(io.stdin)) {
      lineNumber++;
      if (failure) break;
      if (json) {
        const text = decoder.decode(line).trim();
        if (text === "") continue;
        checkJson(text, `line ${lineNumber}`);
        producer.append(text);
      } else {
        producer.append(line);
      }
      unflushed += line.length;
      if (unflushed >= MAX_PENDING_BYTES) {
        await producer.flush();
        unflushed = 0;
      }
    }
    await producer.flush();
  } finally {
    // Stop the producer without closing the stream.
    await producer.detach();
  }
  if (failure) throw failure;
}

async function appendRaw(handle: DurableStream, io: Io, contentType?: string): Promise<void> {
  const iterator = (io.stdin as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new UsageError("nothing to append: stdin is empty");
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield next.value;
    }
  }
  await handle.appendStream(rest(), contentType ? { contentType } : undefined);
}

/** Runs `durastream append`. */
async function run(argv: string[], io: Io): Promise<number> {
  const { values, path, value: data } = parsePathCommand(argv, OPTIONS, "optional value");
  const json = values.json === true;
  if (json && values["content-type"] !== undefined && !isJsonContentType(values["content-type"])) {
    throw new UsageError("--json needs a JSON content type");
  }
  if (data !== undefined && values.lines) {
    throw new UsageError("--lines reads stdin: drop the data argument");
  }
  if (data !== undefined && json) checkJson(data, "data");
  if (data === undefined && io.stdin.isTTY) {
    throw new UsageError("no data: pass it as an argument or pipe it to stdin");
  }
  const contentType = values["content-type"] ?? (json ? JSON_CONTENT_TYPE : undefined);
  const target = resolveTarget(values.url, io.env);
  try {
    const handle = new DurableStream({ ...handleOptions(target, path, io.signal), contentType });
    if (data !== undefined) {
      await handle.append(data);
      return ExitCode.OK;
    }
    // Before consuming stdin: fail fast on a missing stream, and learn the
    // content type the producer frames its batches by.
    const head = await handle.head();
    if (!head.exists) throw new CliError(`stream not found: ${path}`, ExitCode.NOT_FOUND);
    if (values.lines || json) {
      await appendLines(handle, io, json || isJsonContentType(handle.contentType));
    } else {
      await appendRaw(handle, io, contentType);
    }
  } catch (error) {
    throw describeFailure(error, subjectOf(target, path));
  }
  return ExitCode.OK;
}

/** `durastream append <path> [data]`. */
export const appendCommand: Command = {
  name: "append",
  summary: "append data (argument or stdin) to a stream",
  usage: USAGE,
  run,
};
