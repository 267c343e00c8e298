/**
 * Long-poll reads (Section 5.7): data at once when there is some, EOF at once
 * on a closed stream's tail, otherwise wait for the next durable change of
 * this stream (a fork waits only for its own appends) or the timeout. The
 * waiters woken together share one body and one headers object per cursor.
 */

import {
  CURSOR_QUERY_PARAM,
  encodeOffset,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "@durastream/protocol";
import { gone, notFound } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import type { StreamRecord } from "../ports/store.js";
import { readHeaders } from "../reads/catch-up-read.js";
import { inherits } from "../reads/read-range.js";
import { httpReadBody, readAt } from "../reads/read-result.js";
import type { LiveContext } from "./live-context.js";
import { type LiveTicker, liveTicker, type Ticking } from "./live-ticker.js";
import { nextCursor } from "./next-cursor.js";
import { LiveCursor } from "./shared-cursor.js";
import { SharedRead } from "./shared-read.js";
import type { Waiter } from "./wake-hub.js";

/** Handles `live=long-poll` from `position`. */
export function longPollRead(
  ctx: LiveContext,
  request: EngineRequest,
  record: StreamRecord,
  position: number,
): EngineResponse | Promise<EngineResponse> {
  const clientCursor = request.query.get(CURSOR_QUERY_PARAM);
  if (inherits(record, position)) return inheritedRead(ctx, record, position, clientCursor);
  if (position < record.visibleTail) {
    const shared = SharedRead.at(ctx, record, position);
    const result = shared.result()!;
    return {
      status: 200,
      headers: shared.httpHeaders(result, shared.cursor.forClient(clientCursor)),
      body: shared.httpBody(result),
    };
  }
  if (record.visibleClosed) return noContent(record, null);
  return new Promise<EngineResponse>((resolve, reject) => {
    new LongPollWaiter(ctx, request, record, position, clientCursor, resolve, reject).start();
  });
}

/**
 * One waiting long-poll. It watches for the client going away only once it
 * has waited a full period of the shared ticker (at most 1 s): most waits on
 * a busy stream end sooner, and an abort signal per request costs more than
 * the response.
 */
class LongPollWaiter implements Waiter<SharedRead>, Ticking {
  #settled = false;
  #woken = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticker: LiveTicker | null = null;
  #ticked = false;
  #watching = false;
  readonly #stop = () => this.#onAbort();

  constructor(
    private readonly ctx: LiveContext,
    private readonly request: EngineRequest,
    private readonly record: StreamRecord,
    readonly position: number,
    private readonly clientCursor: string | null,
    private readonly resolve: (response: EngineResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  start(): void {
    this.ctx.hub.add(this.record.id, this);
    this.#timer = setTimeout(
      () => this.#finish(noContent(this.record, this.#cursor())),
      this.ctx.options.longPollTimeoutMs,
    );
    this.#ticker = liveTicker(this.ctx);
    this.#ticker.add(this);
    this.ctx.liveReads.add(this.#stop);
  }

  /** After a full tick period: start watching the abort signal (it may have fired already). */
  tick(): void {
    if (this.#settled || this.#watching) return;
    if (!this.#ticked) {
      this.#ticked = true;
      return;
    }
    this.#watching = true;
    this.#ticker?.remove(this);
    const signal = this.request.signal;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener("abort", this.#stop);
  }

  wake(shared: SharedRead): void {
    this.#woken = true;
    if (this.#settled) return;
    const result = shared.result();
    if (result === null) {
      const current = this.ctx.store.getById(this.record.id);
      this.#finish(current?.softDeleted ? gone(this.record.path) : notFound(this.record.path));
      return;
    }
    if (result.range.end > result.range.start) {
      this.#finish({
        status: 200,
        headers: shared.httpHeaders(result, shared.cursor.forClient(this.clientCursor)),
        body: shared.httpBody(result),
      });
    } else {
      const cursor = result.closed ? null : shared.cursor.forClient(this.clientCursor);
      this.#finish(noContent(result.record, cursor));
    }
  }

  #cursor(): string {
    return nextCursor(this.ctx.clock.now(), this.clientCursor);
  }

  #onAbort(): void {
    this.#finish(noContent(this.record, this.#cursor()));
  }

  #finish(response: EngineResponse | Error): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (!this.#woken) this.ctx.hub.cancel(this.record.id, this);
    if (this.#watching) this.request.signal.removeEventListener("abort", this.#stop);
    else this.#ticker?.remove(this);
    this.ctx.liveReads.delete(this.#stop);
    if (response instanceof Error) this.reject(response);
    else this.resolve(response);
  }
}

/** Data below a fork point, read through the fork peer (not shared: forks are read once). */
async function inheritedRead(
  ctx: LiveContext,
  record: StreamRecord,
  position: number,
  clientCursor: string | null,
): Promise<EngineResponse> {
  const result = await readAt(ctx, record, position);
  const cursor = new LiveCursor(ctx.clock.now()).forClient(clientCursor);
  return {
    status: 200,
    headers: readHeaders(ctx, result, cursor),
    body: httpReadBody(record.contentType, result.range.chunks),
  };
}

/** `204`: caught up (timeout) or EOF on a closed stream. */
function noContent(record: StreamRecord, cursor: string | null): EngineResponse {
  const headers: Record<string, string> = {
    [STREAM_OFFSET_HEADER]: encodeOffset(record.visibleTail),
    [STREAM_UP_TO_DATE_HEADER]: "true",
    "cache-control": "no-store",
  };
  if (record.visibleClosed) headers[STREAM_CLOSED_HEADER] = "true";
  else if (cursor !== null) headers[STREAM_CURSOR_HEADER] = cursor;
  return { status: 204, headers, body: null };
}
