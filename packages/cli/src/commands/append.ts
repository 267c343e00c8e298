/** `durastream append`: appends an argument, stdin, or stdin line by line. */

import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { DurableStream, IdempotentProducer } from "@durastream/client";
import { COMMON_OPTIONS, checkJson, parsePathCommand } from "../args.js";
import type { Command } from "../command.js";
import { isJsonContentType, JSON_CONTENT_TYPE } from "../content-type.js";
import { describeFailure, ExitCode, streamNotFound, UsageError } from "../errors.js";
import { CONNECTION_HELP } from "../help.js";
import type { Io } from "../io.js";
import { splitLines } from "../lines.js";
import { handleOptions, resolveTarget, subjectOf } from "../target.js";

const USAGE = `Usage: durastream append <path> [data] [options]

Appends data to a stream. With a data argument, appends it as one message.
With --file, sends the file as one streamed append (with a progress bar and
the transfer rate on a terminal). Otherwise reads stdin:
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
  --file <file>          append the file's bytes (one append, streamed)

${CONNECTION_HELP}`;

const OPTIONS = {
  ...COMMON_OPTIONS,
  "content-type": { type: "string" },
  json: { type: "boolean" },
  lines: { type: "boolean" },
  file: { type: "string" },
} as const;

/** Producer batches still unacknowledged before reading more of stdin. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

async function appendLines(handle: DurableStream, io: Io, json: boolean): Promise<void> {
  let failure: Error | undefined;
  const producer = new IdempotentProducer(handle, `durastream-cli-${randomUUID()}`, {
    autoClaim: true,
    // Line-by-line input may never end (`tail -f log |`): ride out a server
    // restart like a service would, not like a one-shot command.
    retryBudgetMs: 60_000,
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

/** Streams a file as one append, counting bytes into a progress bar on a terminal. */
async function appendFile(
  handle: DurableStream,
  io: Io,
  file: string,
  contentType: string | undefined,
): Promise<void> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`--file: not a regular file: ${file}`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (size === 0) throw new UsageError(`nothing to append: ${file} is empty`);
  const { progressBar } = await import("../progress.js");
  const progress = progressBar(io, basename(file), size);
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      progress.advance((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  try {
    await handle.appendStream(counted(), contentType ? { contentType } : undefined);
  } finally {
    progress.stop();
  }
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
  if (values.file !== undefined && (data !== undefined || values.lines || json)) {
    throw new UsageError("--file sends the file as is: drop the data argument, --lines and --json");
  }
  if (data !== undefined && json) checkJson(data, "data");
  if (data === undefined && values.file === undefined && io.stdin.isTTY) {
    throw new UsageError("no data: pass it as an argument or pipe it to stdin");
  }
  const contentType = values["content-type"] ?? (json ? JSON_CONTENT_TYPE : undefined);
  const target = resolveTarget(values, io.env);
  try {
    const handle = new DurableStream({ ...handleOptions(target, path, io.signal), contentType });
    if (data !== undefined) {
      await handle.append(data);
      return ExitCode.OK;
    }
    // Before consuming stdin: fail fast on a missing stream, and learn the
    // content type the producer frames its batches by.
    const head = await handle.head();
    if (!head.exists) throw streamNotFound(path);
    if (values.file !== undefined) {
      await appendFile(handle, io, values.file, contentType);
    } else if (values.lines || json) {
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
  summary: "append data (argument, stdin or --file) to a stream",
  usage: USAGE,
  run,
};
