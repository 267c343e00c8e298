/**
 * Reads the events of one SSE response body with `eventsource-parser`,
 * one `next()` at a time, so the reader controls the pace (backpressure),
 * and decodes the data of a chunk of events.
 */

import {
  decodeBase64,
  SSE_CLOSED_FIELD,
  SSE_CURSOR_FIELD,
  SSE_OFFSET_FIELD,
  SSE_UP_TO_DATE_FIELD,
} from "@durastream/protocol";
import { createParser, type EventSourceParser } from "eventsource-parser";
import { DurableStreamError } from "./errors.js";

/** An `event: data` payload (data lines joined with `\n`). */
export interface SseDataEvent {
  type: "data";
  data: string;
}

/** An `event: control` payload. */
export interface SseControlEvent {
  type: "control";
  streamNextOffset: string;
  streamCursor?: string;
  upToDate: boolean;
  streamClosed: boolean;
}

/** A protocol SSE event. Unknown event types are skipped. */
export type SseEvent = SseDataEvent | SseControlEvent;

/** Pull-based reader of the protocol events of an SSE body. */
export class SseEventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser: EventSourceParser;
  readonly #queue: SseEvent[] = [];
  #error: Error | undefined;
  #done = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
    this.#parser = createParser({
      onEvent: (event) => {
        if (event.event === "data") {
          this.#queue.push({ type: "data", data: event.data });
        } else if (event.event === "control") {
          this.#queue.push(parseControl(event.data));
        }
      },
    });
  }

  /** The next event, or `undefined` when the body ended. Throws on a broken connection. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const queued = this.#queue.shift();
      if (queued) return queued;
      if (this.#error) throw this.#error;
      if (this.#done) return undefined;
      const { done, value } = await this.#reader.read();
      try {
        if (done) {
          this.#done = true;
          // A final event without its blank line is incomplete: do not deliver it.
          continue;
        }
        this.#parser.feed(this.#decoder.decode(value, { stream: true }));
      } catch (err) {
        this.#error = err instanceof Error ? err : new Error(String(err));
      }
    }
  }

  /** Stops reading and releases the connection. */
  cancel(): void {
    this.#done = true;
    this.#reader.cancel().catch(() => {});
  }
}

function parseControl(data: string): SseControlEvent {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(data) as Record<string, unknown>;
  } catch (err) {
    const preview = data.length > 100 ? `${data.slice(0, 100)}...` : data;
    throw new DurableStreamError(
      `Failed to parse SSE control event: ${err instanceof Error ? err.message : String(err)}. Data: ${preview}`,
      "PARSE_ERROR",
    );
  }
  const offset = fields[SSE_OFFSET_FIELD];
  if (typeof offset !== "string") {
    throw new DurableStreamError("SSE control event without streamNextOffset", "PARSE_ERROR");
  }
  const cursor = fields[SSE_CURSOR_FIELD];
  const event: SseControlEvent = {
    type: "control",
    streamNextOffset: offset,
    upToDate: fields[SSE_UP_TO_DATE_FIELD] === true,
    streamClosed: fields[SSE_CLOSED_FIELD] === true,
  };
  if (typeof cursor === "string") event.streamCursor = cursor;
  return event;
}

/**
 * The data of one SSE chunk (the data events before a control event): bytes
 * for base64-encoded streams, one JSON array of every message for JSON
 * streams, else the text joined.
 */
export function sseChunkData(parts: string[], base64: boolean, json: boolean): Uint8Array | string {
  if (base64) {
    const decoded = parts.filter((p) => p.length > 0).map((p) => decodeSseBase64(p));
    if (decoded.length === 1) return decoded[0]!;
    let length = 0;
    for (const d of decoded) length += d.length;
    const out = new Uint8Array(length);
    let at = 0;
    for (const d of decoded) {
      out.set(d, at);
      at += d.length;
    }
    return out;
  }
  if (!json) return parts.join("");
  const inner: string[] = [];
  for (const part of parts) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
      const body = trimmed.slice(1, -1).trim();
      if (body !== "") inner.push(body);
    } else {
      inner.push(trimmed);
    }
  }
  return inner.length === 0 ? "" : `[${inner.join(",")}]`;
}

function decodeSseBase64(text: string): Uint8Array {
  try {
    return decodeBase64(text);
  } catch (err) {
    throw new DurableStreamError(
      `Failed to decode base64 data: ${err instanceof Error ? err.message : String(err)}`,
      "PARSE_ERROR",
    );
  }
}
