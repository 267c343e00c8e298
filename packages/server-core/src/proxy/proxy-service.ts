/**
 * The proxy routes (PROXY_PROTOCOL.md Section 3) over the engine's streams:
 * `POST {proxy-url}` creates, and on `{proxy-url}/{id}` GET reads (through the
 * engine's read path: offsets, long-poll, SSE, closure as on any stream),
 * HEAD describes, PATCH `?action=abort` aborts and DELETE deletes.
 *
 * Authentication: the service credential is the server's own (the bearer
 * secret, or a token whose scope grants the operation on `__ds/proxy`);
 * without server auth the service routes are open as every route is. A
 * pre-signed URL grants GET and PATCH on its one stream; GET also takes the
 * service credential, PATCH never does.
 */

import { EXPOSED_RESPONSE_HEADERS } from "@durastream/protocol";
import { Access } from "../auth/access.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { CorsPolicy } from "../auth/cors.js";
import { boundLiveRead } from "../auth/live-expiry.js";
import type { Operation } from "../auth/token-operations.js";
import { ProtocolError } from "../http/errors.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { baseHeaders, preflightHeaders } from "../http/response-headers.js";
import type { LiveContext } from "../live/live-context.js";
import { headStream } from "../operations/head-stream.js";
import { readStream } from "../operations/read-stream.js";
import {
  type CreateContext,
  createProxyStream,
  type ProxyRequest,
  UpstreamFailure,
} from "./create-proxy-stream.js";
import { ProxyError } from "./errors.js";
import { RUNNING, UPSTREAM_OUTCOME_HEADER } from "./outcome.js";
import { type ProxyConfig, resolveProxyConfig } from "./proxy-config.js";
import { dataPath, deleteProxyStreams, readJournal, STREAM_ID } from "./proxy-streams.js";
import { recoverProxyStreams } from "./recovery.js";
import { ProxySigner } from "./signing.js";
import type { UpstreamPipe } from "./upstream-pipe.js";

/** The path token scopes name for the proxy's service operations. */
export const PROXY_SCOPE_PATH = "__ds/proxy";

const EXPOSE = [
  ...EXPOSED_RESPONSE_HEADERS,
  "Upstream-Content-Type",
  "Upstream-Status",
  "Upstream-Outcome",
  "Proxy-Response",
  "Proxy-Response-Offset",
].join(", ");
const ALLOW_METHODS = "GET, HEAD, POST, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS = "Upstream-URL, Upstream-Method, Upstream-Authorization, Proxy-Session-Id";
const encoder = new TextEncoder();

/** What the proxy needs of the engine: its streams, live reads, and the authenticator. */
export interface ProxyContext extends LiveContext {
  readonly auth: Authenticator;
}

/** The durable proxy: one per engine, when the engine is configured with `proxy`. */
export class ProxyService {
  readonly #c: CreateContext;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly cors: CorsPolicy,
    config: ProxyConfig,
    private readonly onInternalError: (error: unknown, request: EngineRequest) => void,
  ) {
    const resolved = resolveProxyConfig(config);
    this.#c = {
      ctx,
      config: resolved,
      signer: new ProxySigner(resolved.signingKey),
      active: new Map(),
      inFlight: 0,
    };
  }

  /**
   * Closes the streams a dead process left mid-response, with the outcome
   * `interrupted`. Call once at start-up, before serving. Returns how many.
   */
  recover(): Promise<number> {
    return recoverProxyStreams(this.ctx);
  }

  /** Upstream responses being piped right now. */
  get activeCount(): number {
    return this.#c.active.size;
  }

  /**
   * Whether an upstream call is in flight (waiting for its headers or being
   * piped): a runtime must not run `recover` meanwhile, as it would end a
   * response this process is still writing.
   */
  get busy(): boolean {
    return this.#c.inFlight > 0;
  }

  /**
   * Settles once every upstream response now being piped has its outcome
   * recorded (a runtime that must be told to stay alive for background work,
   * such as a Durable Object's `waitUntil`, waits on it).
   */
  async settled(): Promise<void> {
    const pipes = [...this.#c.active.values()].filter(
      (pipe): pipe is UpstreamPipe => pipe !== "opening",
    );
    await Promise.all(pipes.map((pipe) => pipe.done));
  }

  /**
   * Ends every upstream response in flight with `outcome` (shutdown: their
   * streams are closed as `interrupted` before the store closes).
   */
  async stopAll(): Promise<void> {
    const pipes = [...this.#c.active.values()].filter(
      (pipe): pipe is UpstreamPipe => pipe !== "opening",
    );
    await Promise.all(pipes.map((pipe) => pipe.stop("interrupted")));
  }

  /**
   * Handles one proxy request. `request.path` is the part after the proxy
   * URL ("" for the proxy URL itself, else a stream id); `rootUrl` is the
   * proxy's absolute URL without a trailing slash. Never throws.
   */
  async handle(request: ProxyRequest, rootUrl: string): Promise<EngineResponse> {
    const origin = request.header("origin");
    let response: EngineResponse;
    try {
      response = await this.#dispatch(request, rootUrl);
    } catch (error) {
      response = this.#errorResponse(error, request);
    }
    const headers = Object.assign(
      baseHeaders(origin, this.cors.allowOrigin(origin)),
      response.headers,
    );
    if (headers["access-control-expose-headers"] !== undefined) {
      headers["access-control-expose-headers"] = EXPOSE;
    }
    return { status: response.status, headers, body: response.body };
  }

  async #dispatch(request: ProxyRequest, rootUrl: string): Promise<EngineResponse> {
    if (request.method === "OPTIONS") {
      const headers = preflightHeaders(request.header("access-control-request-headers"));
      headers["access-control-allow-methods"] = ALLOW_METHODS;
      headers["access-control-allow-headers"] += `, ${ALLOW_HEADERS}`;
      return { status: 204, headers, body: null };
    }
    if (request.path === "") {
      if (request.method !== "POST") throw notAllowed("POST, OPTIONS");
      await this.#requireService(request, "create");
      return createProxyStream(this.#c, request, rootUrl);
    }
    const id = request.path;
    if (!STREAM_ID.test(id)) throw new ProxyError(404, "NOT_FOUND", "no proxy route here");
    switch (request.method) {
      case "GET":
        return this.#read(request, id);
      case "HEAD":
        await this.#requireService(request, "read");
        return this.#withProxyHeaders(id, headStream(this.ctx, this.#onData(request, id)));
      case "PATCH":
        return this.#abort(request, id);
      case "DELETE":
        return this.#delete(request, id);
      default:
        throw notAllowed(ALLOW_METHODS);
    }
  }

  async #read(request: ProxyRequest, id: string): Promise<EngineResponse> {
    const expires = request.query.get("expires");
    const signature = request.query.get("signature");
    let access = Access.FULL;
    if (expires !== null || signature !== null || !this.ctx.auth.enabled) {
      await this.#c.signer.verify(id, expires, signature, this.#nowSeconds());
      access = new Access(null, null, Number(expires) * 1000);
    } else {
      await this.#requireService(request, "read");
    }
    const data = this.#onData(request, id);
    const response = await boundLiveRead(data, access, this.ctx.clock.now(), (bounded) =>
      readStream(this.ctx, bounded),
    );
    return this.#withProxyHeaders(id, response);
  }

  async #abort(request: ProxyRequest, id: string): Promise<EngineResponse> {
    const action = request.query.get("action");
    if (action !== "abort") {
      throw new ProxyError(400, "INVALID_ACTION", "the only action is abort");
    }
    await this.#c.signer.verify(
      id,
      request.query.get("expires"),
      request.query.get("signature"),
      this.#nowSeconds(),
    );
    const pipe = this.#c.active.get(id);
    if (pipe !== undefined && pipe !== "opening") await pipe.stop("aborted");
    else if (readJournal(this.ctx, id) === null) throw streamNotFound(id);
    return { status: 204, headers: {}, body: null };
  }

  async #delete(request: ProxyRequest, id: string): Promise<EngineResponse> {
    await this.#requireService(request, "delete");
    const pipe = this.#c.active.get(id);
    if (pipe !== undefined && pipe !== "opening") await pipe.stop("aborted");
    await deleteProxyStreams(this.ctx, id);
    return { status: 204, headers: {}, body: null };
  }

  /** The request aimed at the data stream of `id` (same query, headers and signal). */
  #onData(request: EngineRequest, id: string): EngineRequest {
    const path = dataPath(id);
    return {
      method: request.method,
      path,
      query: request.query,
      header: (name) => request.header(name),
      body: null,
      get signal() {
        return request.signal;
      },
    };
  }

  /** Adds `Upstream-Content-Type` and `Upstream-Outcome`; keeps reads out of shared caches. */
  #withProxyHeaders(id: string, response: EngineResponse): EngineResponse {
    if (response.status >= 400) return response;
    const headers = { ...response.headers };
    const journal = readJournal(this.ctx, id, true);
    const upstreamType = journal?.header.upstreamContentType ?? null;
    if (upstreamType !== null) headers["upstream-content-type"] = upstreamType;
    // The journal's end line is written before the stream's end: authoritative
    // once there, even while the pipe is still winding down.
    const last = journal?.last ?? null;
    headers[UPSTREAM_OUTCOME_HEADER] = last !== null && "outcome" in last ? last.outcome : RUNNING;
    // A response body may be private to whoever holds the URL: never in a shared cache.
    const cache = headers["cache-control"];
    if (cache !== undefined) headers["cache-control"] = cache.replace(/\bpublic\b/, "private");
    return { status: response.status, headers, body: response.body };
  }

  async #requireService(request: EngineRequest, operation: Operation): Promise<void> {
    let access: Access;
    try {
      access = await this.ctx.auth.authenticate(request);
    } catch (error) {
      if (error instanceof ProtocolError && error.status === 401) {
        const missing = request.header("authorization") === null;
        throw new ProxyError(
          401,
          missing ? "MISSING_SECRET" : "INVALID_SECRET",
          missing ? "service authentication required" : error.message,
        );
      }
      throw error;
    }
    if (!access.allows(operation, PROXY_SCOPE_PATH)) {
      throw new ProtocolError(403, "FORBIDDEN", `token does not grant ${operation} on the proxy`);
    }
  }

  #nowSeconds(): number {
    return Math.floor(this.ctx.clock.now() / 1000);
  }

  #errorResponse(error: unknown, request: EngineRequest): EngineResponse {
    if (error instanceof UpstreamFailure) return error.toResponse();
    let status: number;
    let code: string;
    let message: string;
    let headers: Record<string, string> = {};
    if (error instanceof ProxyError || error instanceof ProtocolError) {
      ({ status, code, message, headers } = error);
    } else {
      this.onInternalError(error, request);
      status = 500;
      code = "INTERNAL";
      message = "internal server error";
    }
    // The data stream's path is internal: name the proxy stream instead.
    if (code === "STREAM_NOT_FOUND") message = "proxy stream not found";
    return {
      status,
      headers: { ...headers, "content-type": "application/json", "cache-control": "no-store" },
      body: [encoder.encode(JSON.stringify({ error: { code, message } }))],
    };
  }
}

function notAllowed(allow: string): ProxyError {
  return new ProxyError(405, "METHOD_NOT_ALLOWED", "method not allowed here", { allow });
}

function streamNotFound(id: string): ProxyError {
  return new ProxyError(404, "STREAM_NOT_FOUND", `proxy stream not found: ${id}`);
}
