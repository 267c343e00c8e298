/** Copies a read session to stdout: raw bytes, or one JSON message per line. */

import type { Writable } from "node:stream";
import type { StreamResponse } from "@durastream/client";
import { isJsonContentType } from "./content-type.js";
import { write } from "./io.js";

/** Where a copied read session ended. */
export interface CopyResult {
  /** The offset after the last delivered data: resume from here. */
  readonly offset: string;
  /** The stream is closed and everything was delivered. */
  readonly streamClosed: boolean;
}

/**
 * Writes everything `response` delivers to `out`, with backpressure. Byte and
 * text streams are copied byte for byte; JSON streams (or any stream when
 * `json` is set) are written as newline-delimited JSON, one message per line.
 * Resolves when the session ends (caught up, stream closed, or cancelled).
 */
export async function copyToOutput(
  response: StreamResponse,
  out: Writable,
  json: boolean,
): Promise<CopyResult> {
  if (json || isJsonContentType(response.contentType)) {
    response.subscribeJson(async (batch) => {
      if (batch.items.length === 0) return;
      await write(out, `${batch.items.map((item) => JSON.stringify(item)).join("\n")}\n`);
    });
  } else {
    response.subscribeBytes(async (chunk) => {
      if (chunk.data.length > 0) await write(out, chunk.data);
    });
  }
  await response.closed;
  return { offset: response.offset, streamClosed: response.streamClosed };
}
