/**
 * SSE reads (Section 5.8): catch up in data+control frame pairs, then follow
 * the stream, sharing each append's encoded frame with every subscriber at
 * that position. A subscriber whose socket is full stops pulling until it
 * drains, so memory per subscriber stays bounded.
 */

import {
  CURSOR_QUERY_PARAM,
  encodeOffset,
  encodeSseControl,
  isSseTextContentType,
  STREAM_SSE_DATA_ENCODING_HEADER,
} from "@durastream/protocol";
import type { EngineContext } from "./context.js";
import { nextCursor } from "./cursor.js";
import type { ByteSink, EngineRequest, EngineResponse, StreamingBody } from "./http-types.js";
import { type ReadResult, readAt, sseDataFrame } from "./read-result.js";
import type { SharedRead } from "./shared-read.js";
import type { StreamRecord } from "./store.js";

/** Handles `live=sse` from `position`. */
export function sseRead(
  ctx: EngineContext,
  request: EngineRequest,
  record: StreamRecord,
  position: number,
): EngineResponse {
  const headers: Record<string, string> = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  };
  if (!isSseTextContentType(record.contentType)) {
    headers[STREAM_SSE_DATA_ENCODING_HEADER] = "base64";
  }
  const session = new SseSession(ctx, record, position, request.query.get(CURSOR_QUERY_PARAM));
  return { status: 200, headers, body: session };
}

class SseSession implements StreamingBody {
  #sink: ByteSink | null = null;
  #position: number;
  #cursor: string | null;
  #unregister: (() => void) | null = null;
  #lifetimeTimer: ReturnType<typeof setTimeout> | undefined;
  #keepAliveTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  readonly #stop = () => this.#end();

  constructor(
    private readonly ctx: EngineContext,
    private readonly record: StreamRecord,
    position: number,
    clientCursor: string | null,
  ) {
    this.#position = position;
    this.#cursor = clientCursor;
  }

  start(sink: ByteSink): void {
    this.#sink = sink;
    this.ctx.liveReads.add(this.#stop);
    this.#lifetimeTimer = setTimeout(() => this.#end(), this.ctx.options.sseMaxConnectionMs);
    this.#pump(true);
  }

  cancel(): void {
    this.#end();
  }

  /** The cursor for the next control event: current interval, never below the last one. */
  #nextCursor(): string {
    const next = nextCursor(this.ctx.options.now(), this.#cursor);
    this.#cursor =
      this.#cursor !== null && /^\d+$/.test(this.#cursor) && Number(this.#cursor) > Number(next)
        ? this.#cursor
        : next;
    return this.#cursor;
  }

  /** Writes what can be read now; then waits for a wake-up or for the socket to drain. */
  #pump(first: boolean): void {
    let mustSendControl = first;
    while (!this.#ended) {
      const record = this.ctx.store.getById(this.record.id);
      if (!record || record.softDeleted) {
        this.#end();
        return;
      }
      const result = readAt(this.ctx, record, this.#position);
      const hasData = result.range.end > result.range.start;
      if (!hasData && !mustSendControl && !result.closed) break;
      const writable = this.#send(
        hasData ? sseDataFrame(record.contentType, result.range.chunks) : null,
        result,
      );
      mustSendControl = false;
      if (result.closed) {
        this.#end();
        return;
      }
      if (!writable) {
        this.#sink?.onDrain(() => this.#pump(false));
        return;
      }
      if (result.upToDate) break;
    }
    if (!this.#ended) this.#wait();
  }

  #wait(): void {
    this.#unregister = this.ctx.hub.wait(this.record.id, {
      position: this.#position,
      wake: (shared: SharedRead) => this.#onWake(shared),
    });
    clearTimeout(this.#keepAliveTimer);
    this.#keepAliveTimer = setTimeout(() => this.#keepAlive(), this.ctx.options.longPollTimeoutMs);
  }

  #onWake(shared: SharedRead): void {
    this.#unregister = null;
    clearTimeout(this.#keepAliveTimer);
    if (this.#ended) return;
    const result = shared.result();
    if (result === null) {
      this.#end();
      return;
    }
    const hasData = result.range.end > result.range.start;
    const writable = this.#send(hasData ? shared.sseFrame(result) : null, result);
    if (result.closed) {
      this.#end();
      return;
    }
    if (!writable) {
      this.#sink?.onDrain(() => this.#pump(false));
      return;
    }
    if (result.upToDate) this.#wait();
    else this.#pump(false);
  }

  /** An idle connection gets a control event now and then, so proxies keep it open. */
  #keepAlive(): void {
    if (this.#ended || this.#unregister === null) return;
    this.#unregister();
    this.#unregister = null;
    this.#pump(true);
  }

  /** Writes a data frame (if any) and its control frame; false when the socket is full. */
  #send(dataFrame: Uint8Array | null, result: ReadResult): boolean {
    const sink = this.#sink;
    if (!sink) return false;
    if (dataFrame) sink.write(dataFrame);
    this.#position = result.range.end;
    const control = encodeSseControl({
      streamNextOffset: encodeOffset(result.range.end),
      streamCursor: result.closed ? undefined : this.#nextCursor(),
      upToDate: result.upToDate,
      streamClosed: result.closed,
    });
    return sink.write(control);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.ctx.liveReads.delete(this.#stop);
    clearTimeout(this.#lifetimeTimer);
    clearTimeout(this.#keepAliveTimer);
    this.#unregister?.();
    this.#unregister = null;
    this.#sink?.end();
  }
}
