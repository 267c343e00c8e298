/**
 * `POST {proxy-url}` (PROXY_PROTOCOL.md Section 4.1): checks the request,
 * calls the upstream, and on a 2xx creates the stream (or opens the next
 * response of a session), answers 201 with a pre-signed `Location` and
 * leaves the body to an `UpstreamPipe`. Nothing is stored for a refused
 * request or an upstream error; the upstream credentials are never stored.
 */

import { encodeOffset } from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { ProtocolError } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { readBody } from "../http/read-body.js";
import { findStream } from "../lifecycle/stream-lifecycle.js";
import { parseUpstreamUrl } from "./allowlist.js";
import { ProxyError, UpstreamAddressRefused } from "./errors.js";
import type { SessionFrame } from "./framing.js";
import type { ResolvedProxyConfig } from "./proxy-config.js";
import {
  appendData,
  appendJournal,
  createProxyStreams,
  dataPath,
  readJournal,
  SESSION_TYPE,
} from "./proxy-streams.js";
import type { ProxySigner } from "./signing.js";
import type { UpstreamResponse } from "./upstream-fetcher.js";
import { upstreamHeaders } from "./upstream-headers.js";
import { UpstreamPipe } from "./upstream-pipe.js";

/** A request the proxy can forward: an engine request that can list its header names. */
export interface ProxyRequest extends EngineRequest {
  /** Names of the request's headers (any case). */
  headerNames(): readonly string[];
  /**
   * The id a new stream gets, when the runtime chose it before the request
   * reached the proxy (Cloudflare routes a create to the object named by the
   * id: see `proxyStreamId`); absent, the proxy picks it.
   */
  readonly streamId?: string;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of the stream a create request writes to: the session's stream
 * when `sessionId` is a well-formed `Proxy-Session-Id`, else a fresh UUID.
 * A runtime that routes by stream id (Cloudflare) computes it before the
 * request reaches the proxy and passes it as `ProxyRequest.streamId`.
 */
export async function proxyStreamId(
  signer: ProxySigner,
  sessionId: string | null,
): Promise<string> {
  return sessionId !== null && SESSION_ID.test(sessionId)
    ? signer.sessionStreamId(sessionId)
    : crypto.randomUUID();
}
/** A well-formed text media type: kept as the stream's own type (SSE reads stay text). */
const TEXT_TYPE =
  /^text\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\]*"|[A-Za-z0-9!#$&^_.+-]+))*\s*$/i;
/** Upstream error bodies passed through to the client are cut here (Section 12.3). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Request header naming the session a response is appended to. */
export const SESSION_HEADER = "proxy-session-id";
const encoder = new TextEncoder();

/** What the create route needs from the proxy service. */
export interface CreateContext {
  readonly ctx: EngineContext;
  readonly config: ResolvedProxyConfig;
  readonly signer: ProxySigner;
  /** Upstream responses being piped, by stream id; also holds sessions being opened. */
  readonly active: Map<string, UpstreamPipe | "opening">;
  /** Upstream calls in flight, pipes included. */
  inFlight: number;
}

/** Handles `POST {proxy-url}`; `rootUrl` is the proxy's absolute URL, without a trailing slash. */
export async function createProxyStream(
  c: CreateContext,
  request: ProxyRequest,
  rootUrl: string,
): Promise<EngineResponse> {
  const rawUrl = request.header("upstream-url");
  if (rawUrl === null || rawUrl.trim() === "") {
    throw new ProxyError(400, "MISSING_UPSTREAM_URL", "Upstream-URL header is required");
  }
  const rawMethod = request.header("upstream-method");
  if (rawMethod === null || rawMethod.trim() === "") {
    throw new ProxyError(400, "MISSING_UPSTREAM_METHOD", "Upstream-Method header is required");
  }
  const method = rawMethod.trim().toUpperCase();
  if (!METHODS.has(method)) {
    throw new ProxyError(
      400,
      "INVALID_UPSTREAM_METHOD",
      "Upstream-Method must be one of GET, POST, PUT, PATCH, DELETE",
    );
  }
  const url = parseUpstreamUrl(rawUrl.trim());
  if (url === null) {
    throw new ProxyError(
      403,
      "UPSTREAM_NOT_ALLOWED",
      "Upstream-URL is not an absolute http(s) URL",
    );
  }
  if (!c.config.allowlist.allows(url)) {
    throw new ProxyError(403, "UPSTREAM_NOT_ALLOWED", "Upstream-URL is not in the allowlist");
  }
  const sessionId = request.header(SESSION_HEADER);
  if (sessionId !== null && !SESSION_ID.test(sessionId)) {
    throw new ProxyError(
      400,
      "INVALID_SESSION_ID",
      "Proxy-Session-Id must be 1-128 characters of A-Z a-z 0-9 . _ : -",
    );
  }
  if (c.inFlight >= c.config.maxConcurrent) {
    throw new ProxyError(503, "OVERLOADED", "too many upstream calls in flight", {
      "retry-after": "1",
    });
  }
  let body: Uint8Array;
  try {
    body = await readBody(request, c.config.maxRequestBytes);
  } catch (error) {
    if (error instanceof ProtocolError && error.status === 413) {
      throw new ProxyError(413, "PAYLOAD_TOO_LARGE", error.message);
    }
    throw error;
  }
  const id = request.streamId ?? (await proxyStreamId(c.signer, sessionId));
  if (sessionId !== null) {
    const current = c.active.get(id);
    if (current instanceof UpstreamPipe && current.finishing) {
      await current.done;
      if (c.active.get(id) === current) c.active.delete(id);
    }
    if (c.active.has(id)) {
      throw new ProxyError(409, "SESSION_BUSY", "a response of this session is still arriving");
    }
    c.active.set(id, "opening");
  }
  c.inFlight++;
  let piping = false;
  try {
    const controller = new AbortController();
    const response = await callUpstream(c, url, method, request, body, controller);
    const upstreamContentType = response.header("content-type") ?? "application/octet-stream";
    let responseNumber: number | null = null;
    let responseOffset: number;
    const contentType = sessionId === null ? storedType(upstreamContentType) : SESSION_TYPE;
    try {
      if (sessionId === null) {
        await createProxyStreams(
          c.ctx,
          id,
          contentType,
          { session: false, upstreamContentType },
          c.config.streamTtlSeconds,
        );
        responseOffset = 0;
        await appendJournal(c.ctx, id, { response: 1, start: true, upstreamContentType }, false);
      } else {
        ({ responseNumber, responseOffset } = await openSessionResponse(
          c,
          id,
          upstreamContentType,
        ));
      }
    } catch (error) {
      controller.abort();
      const message = error instanceof Error ? error.message : "storage failed";
      throw new ProxyError(502, "STORAGE_ERROR", `could not create the stream: ${message}`);
    }
    const pipe = new UpstreamPipe(
      c.ctx,
      c.config,
      {
        id,
        contentType,
        sessionResponse: responseNumber,
        upstream: `${url.origin}${url.pathname}`,
      },
      response,
      controller,
    );
    piping = true;
    c.active.set(id, pipe);
    void pipe.done.finally(() => {
      c.inFlight--;
      if (c.active.get(id) === pipe) c.active.delete(id);
    });
    const expires = Math.floor(c.ctx.clock.now() / 1000) + c.config.urlTtlSeconds;
    const signature = await c.signer.sign(id, expires);
    const headers: Record<string, string> = {
      location: `${rootUrl}/${id}?expires=${expires}&signature=${signature}`,
      "upstream-content-type": upstreamContentType,
      "cache-control": "no-store",
      "proxy-response-offset": encodeOffset(responseOffset),
    };
    if (responseNumber !== null) headers["proxy-response"] = String(responseNumber);
    return { status: 201, headers, body: null };
  } finally {
    if (!piping) {
      c.inFlight--;
      if (sessionId !== null && c.active.get(id) === "opening") c.active.delete(id);
    }
  }
}

/**
 * The data stream's content type for an upstream's: text stays text (SSE
 * reads carry it as text), but an upstream `text/event-stream` is stored as
 * `text/plain` — a catch-up read answered `Content-Type: text/event-stream`
 * is taken by clients for the server's own SSE framing (the official client
 * reads nothing from it). The true type is in `Upstream-Content-Type`.
 */
function storedType(upstreamContentType: string): string {
  if (!TEXT_TYPE.test(upstreamContentType)) return "application/octet-stream";
  if (/^text\/event-stream\b/i.test(upstreamContentType)) return "text/plain; charset=utf-8";
  return upstreamContentType;
}

/** Sends the upstream request; refusals and failures become the protocol's errors. */
async function callUpstream(
  c: CreateContext,
  url: URL,
  method: string,
  request: ProxyRequest,
  body: Uint8Array,
  controller: AbortController,
): Promise<UpstreamResponse> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, c.config.headerTimeoutMs);
  // The client going away before the upstream answers cancels the call.
  const onGone = () => controller.abort();
  request.signal.addEventListener("abort", onGone, { once: true });
  let response: UpstreamResponse;
  try {
    response = await c.config.fetcher.fetch({
      url,
      method,
      headers: upstreamHeaders(request.headerNames(), (name) => request.header(name)),
      body: body.length === 0 || method === "GET" ? null : body,
      signal: controller.signal,
    });
  } catch (error) {
    if (timedOut) {
      throw new ProxyError(504, "UPSTREAM_TIMEOUT", "the upstream did not answer in time");
    }
    if (error instanceof UpstreamAddressRefused) {
      throw new ProxyError(403, "UPSTREAM_NOT_ALLOWED", error.message);
    }
    const message = error instanceof Error ? error.message : "request failed";
    throw new ProxyError(502, "UPSTREAM_ERROR", `upstream request failed: ${message}`);
  } finally {
    clearTimeout(timer);
    request.signal.removeEventListener("abort", onGone);
  }
  if (response.status >= 300 && response.status < 400) {
    controller.abort();
    throw new ProxyError(400, "REDIRECT_NOT_ALLOWED", "the proxy does not follow redirects");
  }
  if (response.status < 200 || response.status >= 300) {
    const errorBody = await readCapped(response, controller);
    throw new UpstreamFailure(response.status, response.header("content-type"), errorBody);
  }
  return response;
}

/** An upstream 4xx/5xx: answered 502 with the status and (cut) body passed through. */
export class UpstreamFailure extends Error {
  constructor(
    readonly upstreamStatus: number,
    readonly contentType: string | null,
    readonly body: Uint8Array,
  ) {
    super(`upstream answered ${upstreamStatus}`);
  }

  /** The 502 response. */
  toResponse(): EngineResponse {
    return {
      status: 502,
      headers: {
        "content-type": this.contentType ?? "application/octet-stream",
        "upstream-status": String(this.upstreamStatus),
        "cache-control": "no-store",
      },
      body: [this.body],
    };
  }
}

async function readCapped(
  response: UpstreamResponse,
  controller: AbortController,
): Promise<Uint8Array> {
  const out = new Uint8Array(MAX_ERROR_BODY_BYTES);
  let size = 0;
  try {
    for await (const chunk of response.body) {
      const take = Math.min(chunk.length, MAX_ERROR_BODY_BYTES - size);
      out.set(chunk.subarray(0, take), size);
      size += take;
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    // A cut error body is still worth passing on.
  } finally {
    controller.abort();
  }
  return out.slice(0, size);
}

/** Creates the session's streams on first use; writes the response's `start` frame. */
async function openSessionResponse(
  c: CreateContext,
  id: string,
  upstreamContentType: string,
): Promise<{ responseNumber: number; responseOffset: number }> {
  let journal = readJournal(c.ctx, id);
  if (journal === null || !journal.header.session) {
    await createProxyStreams(
      c.ctx,
      id,
      SESSION_TYPE,
      { session: true, upstreamContentType: null },
      c.config.streamTtlSeconds,
    );
    journal = readJournal(c.ctx, id);
  }
  const responseNumber = (journal?.last?.response ?? 0) + 1;
  const record = findStream(c.ctx, dataPath(id));
  const responseOffset = record?.visibleTail ?? 0;
  const start: SessionFrame = { type: "start", response: responseNumber, upstreamContentType };
  await appendData(c.ctx, id, SESSION_TYPE, encoder.encode(JSON.stringify(start)), false);
  await appendJournal(
    c.ctx,
    id,
    { response: responseNumber, start: true, upstreamContentType },
    false,
  );
  return { responseNumber, responseOffset };
}
