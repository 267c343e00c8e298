/**
 * Long-poll reads (Section 5.7): data at once when there is some, EOF at once
 * on a closed stream's tail, otherwise wait for the next durable change of
 * this stream (a fork waits only for its own appends) or the timeout.
 */

import {
  CURSOR_QUERY_PARAM,
  encodeOffset,
  STREAM_CLOSED_HEADER,
  STREAM_CURSOR_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_UP_TO_DATE_HEADER,
} from "@durastream/protocol";
import { readHeaders } from "./catch-up-read.js";
import type { EngineContext } from "./context.js";
import { nextCursor } from "./cursor.js";
import { gone, notFound } from "./errors.js";
import type { EngineRequest, EngineResponse } from "./http-types.js";
import { httpReadBody, readAt } from "./read-result.js";
import type { SharedRead } from "./shared-read.js";
import type { StreamRecord } from "./store.js";

/** Handles `live=long-poll` from `position`. */
export function longPollRead(
  ctx: EngineContext,
  request: EngineRequest,
  record: StreamRecord,
  position: number,
): EngineResponse | Promise<EngineResponse> {
  const cursor = () => nextCursor(ctx.options.now(), request.query.get(CURSOR_QUERY_PARAM));
  if (position < record.visibleTail) {
    const result = readAt(ctx, record, position);
    return {
      status: 200,
      headers: readHeaders(ctx, result, cursor()),
      body: httpReadBody(record.contentType, result.range.chunks),
    };
  }
  if (record.visibleClosed) return noContent(record, null);

  return new Promise<EngineResponse>((resolve, reject) => {
    let settled = false;
    const finish = (response: EngineResponse | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unregister();
      request.signal.removeEventListener("abort", onAbort);
      ctx.liveReads.delete(onAbort);
      if (response instanceof Error) reject(response);
      else resolve(response);
    };
    const onAbort = () => finish(noContent(record, cursor()));
    const unregister = ctx.hub.wait(record.id, {
      position,
      wake: (shared: SharedRead) => {
        const result = shared.result();
        if (result === null) {
          const current = ctx.store.getById(record.id);
          finish(current?.softDeleted ? gone(record.path) : notFound(record.path));
          return;
        }
        if (result.range.end > result.range.start) {
          finish({
            status: 200,
            headers: readHeaders(ctx, result, cursor()),
            body: shared.httpBody(result),
          });
        } else {
          finish(noContent(result.record, result.closed ? null : cursor()));
        }
      },
    });
    const timer = setTimeout(
      () => finish(noContent(record, cursor())),
      ctx.options.longPollTimeoutMs,
    );
    request.signal.addEventListener("abort", onAbort);
    ctx.liveReads.add(onAbort);
  });
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
