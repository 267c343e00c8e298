/**
 * One delivery of a read session: the data of one response (or one SSE
 * data/control pair) with the position metadata that follows it.
 */

import { DurableStreamError } from "./errors.js";
import type { Offset } from "./types.js";

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** Data plus the offset, cursor, upToDate and streamClosed that follow it. */
export class Chunk {
  #bytes: Uint8Array | undefined;
  #text: string | undefined;

  constructor(
    data: Uint8Array | string,
    readonly offset: Offset,
    readonly cursor: string | undefined,
    readonly upToDate: boolean,
    readonly streamClosed: boolean,
  ) {
    if (typeof data === "string") this.#text = data;
    else this.#bytes = data;
  }

  /** Whether the chunk carries no data. */
  get empty(): boolean {
    return this.#bytes !== undefined ? this.#bytes.length === 0 : this.#text!.length === 0;
  }

  /** The data as bytes. */
  bytes(): Uint8Array {
    this.#bytes ??= encoder.encode(this.#text!);
    return this.#bytes;
  }

  /** The data as UTF-8 text. */
  text(): string {
    this.#text ??= utf8.decode(this.#bytes!);
    return this.#text;
  }

  /** The JSON messages of the chunk (a JSON-mode body is an array of messages). */
  items<T>(): T[] {
    const content = this.text().trim();
    if (content === "") return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (err) {
      const preview = content.length > 100 ? `${content.slice(0, 100)}...` : content;
      throw new DurableStreamError(
        `Failed to parse JSON response: ${err instanceof Error ? err.message : String(err)}. Data: ${preview}`,
        "PARSE_ERROR",
      );
    }
    return Array.isArray(parsed) ? (parsed as T[]) : [parsed as T];
  }
}
