/**
 * A live tail of one stream: reads from `-1`, `now` or a typed offset, then
 * follows the stream over SSE. Pausing ends the session and keeps the offset
 * reached; resuming reads on from there. Messages land in a bounded buffer,
 * and the reader yields to the page between batches, so catching up on a
 * stream of a million messages never freezes the tab.
 */

import { stream } from "@durastream/client";
import { type Connection, describeError, isUnauthorized } from "./connection.js";
import { MessageBuffer, type TailMessage } from "./message-buffer.js";
import { Changes } from "./observable.js";

/** Where a tail is. */
export type TailStatus = "idle" | "connecting" | "live" | "paused" | "closed" | "error";

/** How the messages of a content type are shown. */
export function messageKind(contentType: string | undefined): TailMessage["kind"] {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (type.startsWith("text/")) return "text";
  return "bytes";
}

const encoder = new TextEncoder();
/** Longest stretch of work (ms) before the reader lets the page paint and take input. */
const SLICE_MS = 12;

/** The tail of one stream. */
export class StreamTail {
  readonly changes = new Changes();
  readonly buffer: MessageBuffer;
  readonly kind: TailMessage["kind"];
  #status: TailStatus = "idle";
  #error: string | null = null;
  /** Offset after the last message received (where a resume reads from). */
  #offset: string | null = null;
  #upToDate = false;
  #controller: AbortController | null = null;

  constructor(
    readonly connection: Connection,
    readonly path: string,
    contentType: string | undefined,
    capacity?: number,
  ) {
    this.kind = messageKind(contentType);
    this.buffer = new MessageBuffer(capacity);
  }

  get status(): TailStatus {
    return this.#status;
  }

  get error(): string | null {
    return this.#error;
  }

  get offset(): string | null {
    return this.#offset;
  }

  /** The tail has read everything the stream had when it last looked. */
  get upToDate(): boolean {
    return this.#upToDate;
  }

  /** Starts over from `from` (`-1`, `now` or an offset), dropping what was shown. */
  start(from: string): void {
    this.#end();
    this.buffer.clear();
    this.#offset = null;
    void this.#read(from);
  }

  /** Stops reading; `resume()` reads on from where it stopped. */
  pause(): void {
    if (this.#status !== "live" && this.#status !== "connecting") return;
    this.#end();
    this.#set("paused");
  }

  resume(): void {
    if (this.#status !== "paused" && this.#status !== "error") return;
    void this.#read(this.#offset ?? "-1");
  }

  /** Ends the tail for good. */
  dispose(): void {
    this.#end();
  }

  #end(): void {
    this.#controller?.abort();
    this.#controller = null;
  }

  #set(status: TailStatus, error: string | null = null): void {
    this.#status = status;
    this.#error = error;
    this.changes.notify();
  }

  async #read(from: string): Promise<void> {
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;
    this.#upToDate = false;
    this.#set("connecting");
    const auth = this.connection.auth;
    let batchOffset = from;
    let lastYield = performance.now();
    const record = (value: unknown, index: number, size: number, end: string, bytes: number) => {
      // A batch of a session already ended must not land in the next one's buffer.
      if (signal.aborted) return;
      this.buffer.push({
        seq: this.buffer.total,
        batchOffset,
        index,
        batchSize: size,
        endOffset: end,
        kind: this.kind,
        value,
        bytes,
      });
    };
    const afterBatch = async (meta: { offset: string; upToDate: boolean }) => {
      if (signal.aborted) return;
      batchOffset = meta.offset;
      this.#offset = meta.offset;
      this.#upToDate = meta.upToDate;
      if (this.#status === "connecting") this.#status = "live";
      this.changes.notify();
      if (performance.now() - lastYield > SLICE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    };
    try {
      const response = await stream({
        url: this.connection.urlOf(this.path),
        offset: from,
        live: "sse",
        fetch: auth.fetch,
        signal,
        warnOnHttp: false,
        onError: async (error) => {
          if (!isUnauthorized(error) || signal.aborted) return undefined;
          await auth.nextToken(signal);
          return {};
        },
      });
      if (signal.aborted) return;
      this.#set("live");
      if (this.kind === "json") {
        response.subscribeJson(async (batch) => {
          const size = batch.items.length;
          for (let i = 0; i < size; i++) {
            const item = batch.items[i];
            // Serialized length stands in for bytes: encoding every message again costs too much.
            record(item, i, size, batch.offset, JSON.stringify(item).length);
          }
          await afterBatch(batch);
        });
      } else if (this.kind === "text") {
        response.subscribeText(async (chunk) => {
          if (chunk.text.length > 0) {
            record(chunk.text, 0, 1, chunk.offset, encoder.encode(chunk.text).byteLength);
          }
          await afterBatch(chunk);
        });
      } else {
        response.subscribeBytes(async (chunk) => {
          if (chunk.data.byteLength > 0) {
            record(chunk.data, 0, 1, chunk.offset, chunk.data.byteLength);
          }
          await afterBatch(chunk);
        });
      }
      await response.closed;
      if (!signal.aborted) this.#set(response.streamClosed ? "closed" : "paused");
    } catch (error) {
      if (signal.aborted) return;
      this.#set("error", describeError(error));
    }
  }
}
