/** GET: catch-up, long-poll or SSE, chosen by the `live` query parameter. */

import { LIVE_QUERY_PARAM, OFFSET_QUERY_PARAM } from "@durastream/protocol";
import { badRequest } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { requireStream } from "../lifecycle/stream-lifecycle.js";
import type { LiveContext } from "../live/live-context.js";
import { longPollRead } from "../live/long-poll.js";
import { sseRead } from "../live/sse-session.js";
import type { StreamRecord } from "../ports/store.js";
import { catchUpRead, tailRead } from "../reads/catch-up-read.js";
import { messageStart } from "../reads/message-start.js";
import { parseReadOffset, type ReadOffset } from "../reads/read-offset.js";

/** Handles GET on a stream path. */
export function readStream(
  ctx: LiveContext,
  request: EngineRequest,
): EngineResponse | Promise<EngineResponse> {
  const record = requireStream(ctx, request.path);
  const live = request.query.get(LIVE_QUERY_PARAM);
  if (live !== null && live !== "long-poll" && live !== "sse") {
    throw badRequest("BAD_REQUEST", `unknown live mode: ${live}`);
  }
  const rawOffset = request.query.get(OFFSET_QUERY_PARAM);
  if (live !== null && rawOffset === null) {
    throw badRequest("INVALID_OFFSET", "live reads need an offset");
  }
  const offset = parseReadOffset(rawOffset, record);
  // An offset inside a stored message reads from that message's start.
  const start = messageStart(ctx, record, offset.position);
  if (start instanceof Promise) {
    return start.then((position) =>
      startRead(ctx, request, record, live, { position, now: offset.now }),
    );
  }
  return startRead(ctx, request, record, live, { position: start, now: offset.now });
}

function startRead(
  ctx: LiveContext,
  request: EngineRequest,
  record: StreamRecord,
  live: string | null,
  offset: ReadOffset,
): EngineResponse | Promise<EngineResponse> {
  // Live reads reset the TTL when processing starts (Section 5.1).
  ctx.store.touch(record, ctx.clock.now());
  if (live === "sse") return sseRead(ctx, request, record, offset.position);
  if (live === "long-poll") return longPollRead(ctx, request, record, offset.position);
  if (offset.now) return tailRead(record);
  return catchUpRead(ctx, request, record, offset.position);
}
