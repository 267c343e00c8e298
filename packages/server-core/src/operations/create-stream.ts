/** PUT: create a stream, a closed stream, or a fork; idempotent on matching config (Section 5.1). */

import {
  contentTypesMatch,
  encodeOffset,
  frameJsonBody,
  isClosedFlag,
  isJsonContentType,
  STREAM_CLOSED_HEADER,
  STREAM_OFFSET_HEADER,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { parseForkRequest } from "../forks/fork-request.js";
import { badRequest, ProtocolError } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { readBody } from "../http/read-body.js";
import { parseContentType, parseLifetime } from "../http/request-headers.js";
import { findStream } from "../lifecycle/stream-lifecycle.js";
import type { ForkOrigin, StreamRecord } from "../ports/store.js";
import { parseRetention, sameRetention } from "../retention/policy.js";
import { expiryOf } from "../storage/expiry.js";

/** Handles PUT on a stream path. */
export async function createStream(
  ctx: EngineContext,
  request: EngineRequest,
  streamUrl: string,
): Promise<EngineResponse> {
  const requestedType = parseContentType(request);
  let lifetime = parseLifetime(request);
  const closed = isClosedFlag(request.header(STREAM_CLOSED_HEADER));
  const retention = parseRetention(request);
  if (retention !== null && !ctx.store.retention) {
    throw badRequest(
      "RETENTION_UNSUPPORTED",
      "this server's store cannot apply retention settings",
    );
  }
  const body = await readBody(request, ctx.options.maxBodyBytes);

  const forkRequest = parseForkRequest(ctx, request);
  // The source's answer holds a reference on it: handed to the new fork, or released.
  const fork = forkRequest === null ? null : await ctx.forks.exportFork(forkRequest);
  let referenced = fork !== null;
  try {
    // From here on no await until the record exists: check-and-create is atomic.
    let contentType = requestedType ?? "application/octet-stream";
    if (fork) {
      const sourceType = fork.contentType;
      if (requestedType !== null && !contentTypesMatch(requestedType, sourceType)) {
        throw new ProtocolError(
          409,
          "CONTENT_TYPE_MISMATCH",
          `fork Content-Type ${requestedType} differs from the source's ${sourceType}`,
        );
      }
      contentType = requestedType ?? sourceType;
      if (lifetime.ttlSeconds === null && lifetime.expiresAt === null) {
        lifetime = { ttlSeconds: fork.ttlSeconds, expiresAt: fork.expiresAt };
      }
    }

    const existing = findStream(ctx, request.path);
    if (existing) {
      if (existing.softDeleted) {
        throw new ProtocolError(
          409,
          "STREAM_EXISTS",
          "a deleted stream at this path is still referenced by forks",
        );
      }
      const same =
        contentTypesMatch(existing.contentType, contentType) &&
        existing.ttlSeconds === lifetime.ttlSeconds &&
        existing.expiresAt === lifetime.expiresAt &&
        existing.closed === closed &&
        sameRetention(existing.retention, retention) &&
        sameFork(existing.fork, fork?.origin ?? null);
      if (!same) {
        throw new ProtocolError(
          409,
          "STREAM_EXISTS",
          "a stream exists at this path with a different configuration",
        );
      }
      await existing.durable;
      return { status: 200, headers: createdHeaders(existing), body: null };
    }

    let initialData: Uint8Array | null = body.length > 0 ? body : null;
    if (isJsonContentType(contentType)) {
      const framed = frameJsonBody(body, true);
      if (framed === "invalid-json") throw badRequest("INVALID_JSON", "body is not valid JSON");
      if (framed === "empty-array") throw badRequest("EMPTY_ARRAY", "empty JSON array");
      initialData = framed.count > 0 ? framed.bytes : null;
    }

    const record = ctx.store.create({
      path: request.path,
      contentType,
      ttlSeconds: lifetime.ttlSeconds,
      expiresAt: lifetime.expiresAt,
      now: ctx.clock.now(),
      initialData,
      closed,
      fork: fork?.origin ?? null,
      retention,
      // A fork of a trimmed source cannot read below the source's earliest offset.
      earliest: fork ? Math.min(fork.origin.position, fork.earliest) : 0,
    });
    referenced = false;
    // Same turn as the create: glob links and wakes share its commit.
    ctx.changes.created(record);
    const expiry = expiryOf(record);
    if (expiry !== null) ctx.expiry?.wakeAt(expiry);
    await record.durable;
    ctx.changes.createDurable(record);
    return {
      status: 201,
      headers: Object.assign(createdHeaders(record), { location: streamUrl }),
      body: null,
    };
  } finally {
    if (referenced) await ctx.forks.releaseFork(fork!.origin);
  }
}

function sameFork(a: ForkOrigin | null, b: ForkOrigin | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.sourceId === b.sourceId &&
    a.requestedOffset === b.requestedOffset &&
    a.requestedSubOffset === b.requestedSubOffset
  );
}

function createdHeaders(record: StreamRecord): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": record.contentType,
    [STREAM_OFFSET_HEADER]: encodeOffset(record.tail),
  };
  if (record.closed) headers[STREAM_CLOSED_HEADER] = "true";
  return headers;
}
