/**
 * SSE reads (Section 5.8): catch up in data+control frame pairs, then follow
 * the stream, sharing each wake-up's encoded frame (data and control in one
 * write) with every subscriber at that position. A subscriber whose socket
 * is full stops pulling until it drains, so memory per subscriber stays
 * bounded. Keep-alive and lifetime run on the engine's shared ticker where
 * the session stays in the engine (Node); on Cloudflare the Worker relays the
 * frames and runs both timers itself (`cloudflare/src/fanout/sse-relay.ts`),
 * asking the object for a keep-alive through `SseStream.keepAlive`.
 */

import {
  CURSOR_QUERY_PARAM,
  isSseTextContentType,
  STREAM_SSE_DATA_ENCODING_HEADER,
} from "@durastream/protocol";
import type { ByteSink, EngineRequest, EngineResponse, StreamingBody } from "../http/http-types.js";
import type { StreamRecord } from "../ports/store.js";
import { type ReadResult, readAt, sseDataFrame } from "../reads/read-result.js";
import type { LiveContext } from "./live-context.js";
import { type LiveTicker, liveTicker, type Ticking } from "./live-ticker.js";
import { nextCursor } from "./next-cursor.js";
import { LiveCursor } from "./shared-cursor.js";
import { type SharedRead, sseFrame } from "./shared-read.js";
import type { Waiter } from "./wake-hub.js";

const TEXT_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};
const BASE64_HEADERS: Readonly<Record<string, string>> = {
  ...TEXT_HEADERS,
  [STREAM_SSE_DATA_ENCODING_HEADER]: "base64",
};

/** Handles `live=sse` from `position`. */
export function sseRead(
  ctx: LiveContext,
  request: EngineRequest,
  record: StreamRecord,
  position: number,
): EngineResponse {
  const headers = isSseTextContentType(record.contentType) ? TEXT_HEADERS : BASE64_HEADERS;
  const session = new SseSession(ctx, record, position, request.query.get(CURSOR_QUERY_PARAM));
  return { status: 200, headers: headers as Record<string, string>, body: session };
}

/**
 * Where an SSE session stands, as plain data: what a runtime that cannot keep
 * the session in memory (a Durable Object that hibernates between appends)
 * stores beside the connection and resumes from.
 */
export interface SseSessionState {
  readonly streamId: number;
  /** The offset the next frame starts at. */
  readonly position: number;
  /** The last cursor sent (-1 and "" before the first control event). */
  readonly cursor: number;
  readonly cursorText: string;
  /** The client's echoed cursor, until the first control event. */
  readonly clientCursor: string | null;
  readonly startedAt: number;
  /** When the credential that opened the session expires (ms since epoch); absent: never. */
  readonly endsAt?: number | null;
}

/**
 * An SSE response body whose timers the runtime owns (`liveTimers:
 * "runtime"`): it can be saved as `state()` and resumed by
 * `DurableStreamsEngine.resumeSse`, and `keepAlive()` sends the control event
 * the engine's ticker would send on an idle connection.
 */
export interface SseStream extends StreamingBody {
  /** Where the session stands now (after the frame just written, inside `ByteSink.write`). */
  state(): SseSessionState;
  /** A control event now if the session waits for data; nothing otherwise. */
  keepAlive(): void;
  /**
   * Bounds the session by its credential's expiry (ms since epoch) when the
   * runtime owns its timers: the session ends on its first keep-alive,
   * wake-up or resume at or after that time (the runtime asks for a
   * keep-alive on every idle period), and the bound is saved with its state.
   * Returns false when the engine's timers run it: the caller bounds it.
   */
  endAt(time: number): boolean;
}

/** Whether a response body is an SSE session. */
export function isSseStream(body: EngineResponse["body"]): body is SseStream {
  return body instanceof SseSession;
}

/**
 * Resumes a saved SSE session on `sink` without an opening control event, or
 * returns null when its stream is gone (the runtime then ends the connection).
 */
export function resumeSse(
  ctx: LiveContext,
  state: SseSessionState,
  sink: ByteSink,
): SseStream | null {
  const record = ctx.store.getById(state.streamId);
  if (!record || record.softDeleted || state.position > record.visibleTail) return null;
  const session = new SseSession(ctx, record, state.position, state.clientCursor, state);
  session.resume(sink);
  return session;
}

class SseSession implements SseStream, Waiter<SharedRead>, Ticking {
  /** The offset the next frame starts at (where the session waits). */
  position: number;
  #sink: ByteSink | null = null;
  /** The client's `cursor` until the first control event, then the last cursor sent. */
  #clientCursor: string | null;
  #cursor = -1;
  #cursorText = "";
  #ticker: LiveTicker | null = null;
  #startedAt = 0;
  #lastWriteAt = 0;
  #waiting = false;
  #ended = false;
  #endsAt: number | null = null;
  readonly #stop = () => this.#end();

  constructor(
    private readonly ctx: LiveContext,
    private readonly record: StreamRecord,
    position: number,
    clientCursor: string | null,
    saved?: SseSessionState,
  ) {
    this.position = position;
    this.#clientCursor = clientCursor;
    if (saved) {
      this.#cursor = saved.cursor;
      this.#cursorText = saved.cursorText;
      this.#startedAt = saved.startedAt;
      this.#endsAt = saved.endsAt ?? null;
    }
  }

  start(sink: ByteSink): void {
    this.#startedAt = Date.now();
    this.#attach(sink);
    this.#pump(true);
  }

  /** Continues a saved session: reads on from its position, no opening control event. */
  resume(sink: ByteSink): void {
    this.#attach(sink);
    if (this.#expired()) {
      this.#end();
      return;
    }
    this.#pump(false);
  }

  #attach(sink: ByteSink): void {
    this.#sink = sink;
    this.ctx.liveReads.add(this.#stop);
    if (this.ctx.options.liveTimers === "engine") {
      this.#ticker = liveTicker(this.ctx);
      this.#ticker.add(this);
    }
  }

  cancel(): void {
    this.#end();
  }

  state(): SseSessionState {
    return {
      streamId: this.record.id,
      position: this.position,
      cursor: this.#cursor,
      cursorText: this.#cursorText,
      clientCursor: this.#clientCursor,
      startedAt: this.#startedAt,
      endsAt: this.#endsAt,
    };
  }

  endAt(time: number): boolean {
    if (this.ctx.options.liveTimers !== "runtime") return false;
    this.#endsAt = Math.min(this.#endsAt ?? time, time);
    return true;
  }

  #expired(): boolean {
    return this.#endsAt !== null && this.ctx.clock.now() >= this.#endsAt;
  }

  keepAlive(): void {
    if (this.#ended) return;
    if (this.#expired()) {
      this.#end();
      return;
    }
    if (!this.#waiting) return;
    this.ctx.hub.cancel(this.record.id, this);
    this.#waiting = false;
    this.#pump(true);
  }

  /** Lifetime (Section 5.8: close now and then) and keep-alive for idle connections. */
  tick(now: number): void {
    if (this.#ended) return;
    if (now - this.#startedAt >= this.ctx.options.sseMaxConnectionMs) {
      this.#end();
      return;
    }
    if (now - this.#lastWriteAt >= this.ctx.options.longPollTimeoutMs) {
      // A control event now and then keeps proxies from closing an idle connection.
      this.keepAlive();
    }
  }

  /**
   * The cursor for a control event this session encodes itself: the first
   * follows the client's echo (jittered past it when needed); later ones are
   * the current interval, never below the last one sent.
   */
  #nextCursor(): string {
    const now = this.ctx.clock.now();
    if (this.#cursor < 0) {
      this.#cursorText = nextCursor(now, this.#clientCursor);
      this.#cursor = Number(this.#cursorText);
      this.#clientCursor = null;
      return this.#cursorText;
    }
    const interval = new LiveCursor(now).interval;
    if (interval > this.#cursor) {
      this.#cursor = interval;
      this.#cursorText = String(interval);
    }
    return this.#cursorText;
  }

  /** Writes what can be read now; then waits for a wake-up or for the socket to drain. */
  #pump(first: boolean): void {
    let mustSendControl = first;
    while (!this.#ended) {
      const record = this.ctx.store.getById(this.record.id);
      // Fallen behind retention: the reconnect answers 410 (Section 5.6).
      if (!record || record.softDeleted || this.position < record.earliest) {
        this.#end();
        return;
      }
      const result = readAt(this.ctx, record, this.position);
      if (result instanceof Promise) {
        // Below the fork point: the source's bytes arrive later; carry on from there.
        const control = mustSendControl;
        result.then(
          (read) => {
            if (!this.#ended && this.#send(read, control)) this.#pump(false);
          },
          () => this.#end(),
        );
        return;
      }
      if (!this.#send(result, mustSendControl)) return;
      mustSendControl = false;
    }
  }

  /**
   * Sends `result` unless there is nothing to say. True when the session
   * should read on; false when it now waits (for a wake-up or for the socket
   * to drain) or has ended.
   */
  #send(result: ReadResult, mustSendControl: boolean): boolean {
    const hasData = result.range.end > result.range.start;
    if (!hasData && !mustSendControl && !result.closed) {
      this.#wait();
      return false;
    }
    const frame = sseFrame(
      result,
      result.closed ? undefined : this.#nextCursor(),
      hasData ? sseDataFrame(result.record.contentType, result.range.chunks) : null,
    );
    if (!this.#deliver(frame, result)) return false;
    if (result.upToDate) {
      this.#wait();
      return false;
    }
    return true;
  }

  #wait(): void {
    this.#waiting = true;
    this.ctx.hub.add(this.record.id, this);
  }

  /** A wake-up: the group's frame when this session's cursor allows it, else its own. */
  wake(shared: SharedRead): void {
    this.#waiting = false;
    if (this.#ended) return;
    if (this.#expired()) {
      this.#end();
      return;
    }
    const result = shared.result();
    if (result === null) {
      this.#end();
      return;
    }
    let frame: Uint8Array;
    if (result.closed || (this.#cursor >= 0 && this.#cursor <= shared.cursor.interval)) {
      frame = shared.sseFrame(result);
      if (!result.closed && this.#cursor < shared.cursor.interval) {
        this.#cursor = shared.cursor.interval;
        this.#cursorText = shared.cursor.intervalText;
      }
    } else {
      const hasData = result.range.end > result.range.start;
      frame = sseFrame(result, this.#nextCursor(), hasData ? shared.sseDataFrame(result) : null);
    }
    if (!this.#deliver(frame, result)) return;
    if (result.upToDate) this.#wait();
    else this.#pump(false);
  }

  /**
   * Sends the frame of `result` and moves past it. False when there is no
   * more to do now: the stream ended (EOF sent), or the socket is full and
   * the session resumes when it drains.
   */
  #deliver(frame: Uint8Array, result: ReadResult): boolean {
    this.position = result.range.end;
    const writable = this.#write(frame);
    if (result.closed) {
      this.#end();
      return false;
    }
    if (!writable) {
      this.#sink?.onDrain(() => this.#pump(false));
      return false;
    }
    return true;
  }

  /** One write per frame; false when the socket is full. */
  #write(frame: Uint8Array): boolean {
    const sink = this.#sink;
    if (!sink) return false;
    this.#lastWriteAt = Date.now();
    return sink.write(frame);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.ctx.liveReads.delete(this.#stop);
    this.#ticker?.remove(this);
    if (this.#waiting) this.ctx.hub.cancel(this.record.id, this);
    this.#waiting = false;
    this.#sink?.end();
  }
}
