/**
 * POST: append, append-and-close, close-only (Sections 5.2, 5.3), with
 * idempotent producers and `Stream-Seq`. Error precedence: closed, then
 * content type, then sequence.
 */

import {
  contentTypesMatch,
  encodeOffset,
  frameJsonBody,
  isClosedFlag,
  isJsonContentType,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_SEQ_HEADER,
  STREAM_CLOSED_HEADER,
  STREAM_OFFSET_HEADER,
  STREAM_SEQ_HEADER,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { badRequest, ProtocolError } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { readBody } from "../http/read-body.js";
import { parseContentType, parseProducer } from "../http/request-headers.js";
import { requireStream } from "../lifecycle/stream-lifecycle.js";
import type { ProducerState, ProducerTuple, StreamRecord } from "../ports/store.js";
import { decideProducer } from "../producers/producer-fencing.js";
import { compareUtf8 } from "./byte-order.js";

/** How long a request ahead of its sequence waits for in-flight predecessors. */
const REORDER_WAIT_MS = 10_000;

/** Handles POST on a stream path. */
export async function appendStream(
  ctx: EngineContext,
  request: EngineRequest,
): Promise<EngineResponse> {
  requireStream(ctx, request.path);
  const close = isClosedFlag(request.header(STREAM_CLOSED_HEADER));
  const producer = parseProducer(request, ctx.options.maxProducerIdBytes);
  const parsed: ParsedAppend = {
    close,
    producer,
    streamSeq: request.header(STREAM_SEQ_HEADER),
    requestType: parseContentType(request),
  };
  if (!producer) {
    return applyAppend(ctx, request, parsed, await readBody(request, ctx.options.maxBodyBytes));
  }
  const key = `${request.path}\u0000${producer.producerId}`;
  const leave = ctx.producerOrder.enter(key, producer.seq);
  try {
    const body = await readBody(request, ctx.options.maxBodyBytes);
    const deadline = ctx.clock.now() + REORDER_WAIT_MS;
    for (;;) {
      try {
        return await applyAppend(ctx, request, parsed, body, leave);
      } catch (error) {
        const isGap = error instanceof ProtocolError && error.code === "PRODUCER_SEQ_GAP";
        if (!isGap || !ctx.producerOrder.hasLower(key, producer.seq)) throw error;
        const remaining = deadline - ctx.clock.now();
        if (remaining <= 0) throw error;
        await ctx.producerOrder.nextSettle(key, remaining);
      }
    }
  } finally {
    leave();
  }
}

interface ParsedAppend {
  readonly close: boolean;
  readonly producer: ProducerTuple | null;
  readonly streamSeq: string | null;
  readonly requestType: string | null;
}

/**
 * Validates and issues the append. Synchronous up to the store write, so
 * check-and-append is atomic; `issued` runs as soon as the write is issued.
 */
async function applyAppend(
  ctx: EngineContext,
  request: EngineRequest,
  { close, producer, streamSeq, requestType }: ParsedAppend,
  body: Uint8Array,
  issued: () => void = () => {},
): Promise<EngineResponse> {
  const record = requireStream(ctx, request.path);
  if (body.length === 0 && !close) {
    throw badRequest("EMPTY_BODY", "an append needs a body (or Stream-Closed: true to close)");
  }

  if (record.closed) return closedResponse(record, producer, body.length === 0);

  if (body.length > 0) {
    if (requestType === null) {
      throw badRequest("INVALID_HEADER", "Content-Type is required on an append with a body");
    }
    if (!contentTypesMatch(requestType, record.contentType)) {
      throw new ProtocolError(
        409,
        "CONTENT_TYPE_MISMATCH",
        `Content-Type ${requestType} does not match the stream's ${record.contentType}`,
      );
    }
  }

  let producerState: ProducerState | null = null;
  if (producer) {
    const decision = decideProducer(producer, liveProducer(ctx, record, producer.producerId));
    if (decision.kind === "duplicate") {
      issued();
      await record.durable;
      return {
        status: 204,
        headers: Object.assign(tailHeaders(record), {
          [PRODUCER_EPOCH_HEADER]: String(decision.state.epoch),
          [PRODUCER_SEQ_HEADER]: String(decision.state.lastSeq),
        }),
        body: null,
      };
    }
    producerState = { ...decision.state, updatedAt: ctx.clock.now() };
  }

  if (streamSeq !== null && record.lastStreamSeq !== null) {
    if (compareUtf8(streamSeq, record.lastStreamSeq) <= 0) {
      throw new ProtocolError(
        409,
        "SEQUENCE_CONFLICT",
        `Stream-Seq ${streamSeq} is not greater than the last (${record.lastStreamSeq})`,
      );
    }
  }

  let data: Uint8Array | null = body.length > 0 ? body : null;
  if (data && isJsonContentType(record.contentType)) {
    const framed = frameJsonBody(data, false);
    if (framed === "invalid-json") throw badRequest("INVALID_JSON", "body is not valid JSON");
    if (framed === "empty-array") {
      throw badRequest("EMPTY_ARRAY", "an append of an empty JSON array has no messages");
    }
    data = framed.bytes;
  }

  const written = ctx.store.append(record, {
    data,
    close,
    producer:
      producer && producerState
        ? {
            producerId: producer.producerId,
            epoch: producer.epoch,
            seq: producer.seq,
            state: producerState,
          }
        : null,
    streamSeq,
    now: ctx.clock.now(),
  });
  const tailAfter = record.tail;
  // Same turn as the append: the wakes it causes share its commit.
  if (data) ctx.changes.appended(record);
  issued();
  await written;
  ctx.wake(record.id);
  ctx.changes.appendDurable(record);

  const headers: Record<string, string> = { [STREAM_OFFSET_HEADER]: encodeOffset(tailAfter) };
  if (close) headers[STREAM_CLOSED_HEADER] = "true";
  if (producer && producerState) {
    headers[PRODUCER_EPOCH_HEADER] = String(producerState.epoch);
    headers[PRODUCER_SEQ_HEADER] = String(producerState.lastSeq);
    // 200 means new data; a producer's close-only request appends none.
    return { status: data ? 200 : 204, headers, body: null };
  }
  return { status: 204, headers, body: null };
}

function tailHeaders(record: StreamRecord): Record<string, string> {
  const headers: Record<string, string> = { [STREAM_OFFSET_HEADER]: encodeOffset(record.tail) };
  if (record.closed) headers[STREAM_CLOSED_HEADER] = "true";
  return headers;
}

/**
 * A write to a closed stream: idempotent success for a close-only request or
 * for a retry of the producer request that closed it, 409 otherwise.
 */
async function closedResponse(
  record: StreamRecord,
  producer: ProducerTuple | null,
  closeOnly: boolean,
): Promise<EngineResponse> {
  const by = record.closedBy;
  const isClosingRequest =
    producer !== null &&
    by !== null &&
    by.producerId === producer.producerId &&
    by.epoch === producer.epoch &&
    by.seq === producer.seq;
  if (isClosingRequest || closeOnly) {
    await record.durable;
    const headers = tailHeaders(record);
    if (producer) {
      headers[PRODUCER_EPOCH_HEADER] = String(producer.epoch);
      headers[PRODUCER_SEQ_HEADER] = String(producer.seq);
    }
    return { status: 204, headers, body: null };
  }
  throw new ProtocolError(409, "STREAM_CLOSED", "stream is closed", tailHeaders(record));
}

/**
 * The producer's state on the stream, or undefined when it has none or it
 * expired (idle past `producerTtlSeconds`): an expired producer is new again.
 */
function liveProducer(
  ctx: EngineContext,
  record: StreamRecord,
  producerId: string,
): ProducerState | undefined {
  const state = ctx.store.getProducer(record, producerId);
  if (state?.updatedAt === undefined) return state;
  const idleMs = ctx.clock.now() - state.updatedAt;
  return idleMs >= ctx.options.producerTtlSeconds * 1000 ? undefined : state;
}
