/**
 * The Durable Streams protocol engine: routes a normalized request to its
 * operation, applies authentication, and puts the security, CORS and error
 * conventions on every response. Runtime-neutral: no `node:*` imports.
 */

import { decodeOffset, encodeOffset, streamPathProblem } from "@durastream/protocol";
import type { Access } from "./auth/access.js";
import { type AuthConfig, Authenticator } from "./auth/authenticator.js";
import { type CorsOrigins, CorsPolicy } from "./auth/cors.js";
import { boundLiveRead } from "./auth/live-expiry.js";
import { authorizeStreamRequest } from "./auth/stream-access.js";
import { buildFeatures, type FeatureConfig, type Features } from "./features.js";
import {
  exportFork,
  forkBoundary,
  forkMessageStart,
  readFork,
  releaseFork,
} from "./forks/local-fork-peer.js";
import { badRequest, ProtocolError } from "./http/errors.js";
import type { ByteSink, EngineRequest, EngineResponse } from "./http/http-types.js";
import { baseHeaders, preflightHeaders } from "./http/response-headers.js";
import { retire } from "./lifecycle/stream-lifecycle.js";
import type { SharedRead } from "./live/shared-read.js";
import { resumeSse, type SseSessionState, type SseStream } from "./live/sse-session.js";
import { wakeReaders } from "./live/wake-readers.js";
import { appendStream } from "./operations/append-stream.js";
import { createStream } from "./operations/create-stream.js";
import { deleteStream } from "./operations/delete-stream.js";
import { headStream } from "./operations/head-stream.js";
import { readStream } from "./operations/read-stream.js";
import { type EngineOptions, resolveEngineOptions } from "./options.js";
import { type Clock, systemClock } from "./ports/clock.js";
import type { ExpiryScheduler } from "./ports/expiry-scheduler.js";
import type { ByteRange, ForkPeer, ForkRequest, ForkSource } from "./ports/fork-peer.js";
import type { ForkOrigin, StreamStore } from "./ports/store.js";
import type { StreamHub } from "./ports/stream-hub.js";
import { ProducerOrder } from "./producers/producer-order.js";
import type { ProxyConfig } from "./proxy/proxy-config.js";
import { ProxyService } from "./proxy/proxy-service.js";
import { reservedRouter } from "./reserved/route-table.js";
import type { ReservedContext } from "./reserved/route-types.js";
import { isReservedPath } from "./reserved/router.js";
import { isExpired } from "./storage/expiry.js";
import { wakeEventBytes } from "./subscriptions/local-streams.js";
import type { Subscriptions } from "./subscriptions/subscriptions.js";

/** How to build an engine: its ports, and its options. */
export interface EngineConfig extends EngineOptions, FeatureConfig {
  /** The store of this engine's streams. */
  readonly store: StreamStore;
  /** Where live readers wait: `new WakeHub()` in process. */
  readonly hub: StreamHub<SharedRead>;
  /**
   * How forks reach their sources. Default: this engine, for sources in the
   * same store (a runtime with one store per stream supplies a remote peer).
   */
  readonly forks?: ForkPeer;
  /**
   * Runs expiry sweeps. Default: none, and the runtime calls `sweepExpired`
   * itself (access to an expired stream is refused either way).
   */
  readonly expiry?: ExpiryScheduler;
  /** Wall time. Default: the system clock. */
  readonly clock?: Clock;
  /** URL path of the stream root, e.g. `/v1/stream`. */
  readonly basePath?: string;
  /**
   * Shared secret: when set, every request but CORS preflight must carry
   * `Authorization: Bearer <secret>` or a token signed with it (HS256).
   */
  readonly secret?: string | undefined;
  /** Scoped tokens signed by other issuers (EdDSA / ES256 keys or a JWKS URL). */
  readonly tokens?: Omit<AuthConfig, "secret">;
  /** Browser origins allowed to read responses. Default `*` without auth, none with it. */
  readonly corsOrigins?: CorsOrigins;
  /** Called with unexpected (non-protocol) errors before a 500 is returned. */
  readonly onInternalError?: (error: unknown, request: EngineRequest) => void;
  /** Called with every error response's status and code (metrics of rejected requests). */
  readonly onRejected?: (status: number, code: string, request: EngineRequest) => void;
  /** The durable proxy (`ProxyService`, PROXY_PROTOCOL.md); off when absent. */
  readonly proxy?: ProxyConfig;
}

/**
 * Stands in for a request in reports of work no request did (hooks,
 * subscriptions). Made on first use: workerd refuses an AbortController in
 * a module's global scope.
 */
let backgroundRequest: EngineRequest | undefined;
function background(): EngineRequest {
  backgroundRequest ??= {
    method: "-",
    path: "",
    query: new URLSearchParams(),
    header: () => null,
    body: null,
    signal: new AbortController().signal,
  };
  return backgroundRequest;
}
const encoder = new TextEncoder();

/**
 * The protocol engine. One per store. It also answers, as a `ForkPeer`, the
 * forks whose source is in its store: the local peer by default, and what a
 * remote peer calls on the engine that holds a source.
 */
export class DurableStreamsEngine implements ForkPeer {
  readonly #ctx: ReservedContext;
  readonly #retention: Features["retention"];
  readonly #cors: CorsPolicy;
  readonly #proxy: ProxyService | null;
  readonly #onInternalError: (error: unknown, request: EngineRequest) => void;
  readonly #onRejected:
    | ((status: number, code: string, request: EngineRequest) => void)
    | undefined;

  constructor(config: EngineConfig) {
    const options = resolveEngineOptions(config);
    const clock = config.clock ?? systemClock;
    const auth = new Authenticator({ ...config.tokens, secret: config.secret }, () => clock.now());
    const onInternalError = config.onInternalError;
    const reportHookError = (error: unknown) => onInternalError?.(error, background());
    // Features wake readers only after durable writes, by which time the context exists.
    const wake = (streamId: number) => wakeReaders(this.#ctx, streamId);
    const features = buildFeatures(
      config,
      { store: config.store, clock, options, wake },
      reportHookError,
    );
    this.#retention = features.retention;
    this.#ctx = {
      store: config.store,
      hub: config.hub,
      forks: config.forks ?? this,
      localForks: config.forks === undefined || config.forks === this,
      expiry: config.expiry ?? null,
      clock,
      options,
      basePath: config.basePath ?? "/v1/stream",
      liveReads: new Set(),
      producerOrder: new ProducerOrder(),
      changes: features.changes,
      wake,
      auth,
      subscriptions: features.subscriptions,
      registryEnabled: features.registryEnabled,
    };
    this.#cors = config.corsOrigins
      ? new CorsPolicy(config.corsOrigins)
      : CorsPolicy.defaultFor(auth.enabled);
    this.#onInternalError = config.onInternalError ?? (() => {});
    this.#onRejected = config.onRejected;
    this.#proxy = config.proxy
      ? new ProxyService(this.#ctx, this.#cors, config.proxy, this.#onInternalError)
      : null;
    config.expiry?.start(async () => {
      const expired = await this.sweepExpired();
      await this.trimRetained();
      return expired;
    });
  }

  /** Settles once background state (subscription keys, resumed deliveries) is loaded. */
  get ready(): Promise<void> {
    return this.#ctx.subscriptions?.ready ?? Promise.resolve();
  }

  /**
   * The subscription engine, undefined when subscriptions are off: a runtime
   * whose watched streams live elsewhere reports their changes to it.
   */
  get subscriptions(): Subscriptions | undefined {
    return this.#ctx.subscriptions;
  }

  /**
   * Notes that stream `path` may have data to trim on the next
   * `trimRetained` (a runtime whose instances do not live from one append to
   * the next trim re-notes its streams before trimming).
   */
  mayTrim(path: string): void {
    const record = this.#ctx.store.get(path);
    if (record && !record.softDeleted) this.#retention?.mayTrim(record);
  }

  /**
   * Appends a subscription's wake event (one JSON value) to `path`, a stream
   * of this engine, when it is live and open: the pull-wake announcement of
   * a subscription engine that runs elsewhere. Settles once it is durable
   * and its readers are woken; false when nothing was appended.
   */
  async appendWakeEvent(path: string, event: string): Promise<boolean> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const record = ctx.store.get(path);
    if (!record || record.softDeleted || record.closed || isExpired(record, now)) return false;
    const data = wakeEventBytes(record.contentType, event);
    if (data === null) return false;
    const written = ctx.store.append(record, {
      data,
      close: false,
      producer: null,
      streamSeq: null,
      now,
    });
    ctx.changes.appended(record);
    await written;
    ctx.wake(record.id);
    ctx.changes.appendDurable(record);
    return true;
  }

  /** Stops background work (webhook retries, lease timers); call before closing the store. */
  close(): void {
    this.#ctx.subscriptions?.stop();
  }

  /**
   * Handles one request. `streamUrl` is the request's absolute URL without
   * query (used for `Location`). Never throws: errors become responses.
   */
  async handle(request: EngineRequest, streamUrl: string): Promise<EngineResponse> {
    const origin = request.header("origin");
    let response: EngineResponse;
    try {
      response = await this.#dispatch(request, streamUrl);
    } catch (error) {
      response = this.#errorResponse(error, request);
    }
    return {
      status: response.status,
      headers: Object.assign(baseHeaders(origin, this.#cors.allowOrigin(origin)), response.headers),
      body: response.body,
    };
  }

  /** Ends every open live read (long-polls answer 204, SSE connections close). */
  endLiveReads(): void {
    for (const stop of [...this.#ctx.liveReads]) stop();
  }

  /**
   * Retires streams whose TTL or Expires-At has passed (removed, or kept
   * soft-deleted for their forks). Runtimes call it periodically; access to
   * an expired stream is refused even between sweeps. Returns how many.
   */
  async sweepExpired(limit = 1000): Promise<number> {
    const now = this.#ctx.clock.now();
    const expired = this.#ctx.store.expiredBefore(now, limit);
    const idleBefore = now - this.#ctx.options.producerTtlSeconds * 1000;
    await Promise.all([
      ...expired.map((record) => retire(this.#ctx, record, "expired")),
      this.#ctx.store.expireProducers?.(idleBefore + 1, limit),
    ]);
    return expired.length;
  }

  /**
   * Trims streams past their retention limits (up to `limit` that grew since
   * the last call, plus a page of streams checked for age limits), whole
   * stored chunks at a time. Runtimes call it in the background, with expiry
   * sweeps; settles once the trims are durable. Returns how many streams were trimmed.
   */
  trimRetained(limit = 1000): Promise<number> {
    return this.#retention?.run(limit) ?? Promise.resolve(0);
  }

  /**
   * Trims stream `path` (relative to the stream root) below `offset`: the
   * stored chunks that end at or before it go, whole, so the new earliest
   * offset is at most `offset`; capped by the visible tail and by what forks
   * still read. For applications on the engine that know which prefix of a
   * stream nobody needs (the Yjs routes, after a compaction); not reachable
   * over HTTP. Settles once durable with the new earliest offset, or null
   * when the stream does not exist or the store cannot trim.
   */
  async trimStream(path: string, offset: string): Promise<string | null> {
    const before = decodeOffset(offset);
    if (before === undefined) throw new RangeError(`not an offset: ${offset}`);
    const record = this.#ctx.store.get(path);
    if (!record || record.softDeleted || this.#retention === null) return null;
    await this.#retention.trimBefore(record, before);
    return encodeOffset(this.#ctx.store.get(path)?.earliest ?? record.earliest);
  }

  /** The durable proxy's routes over this engine's streams, or null when off. */
  get proxy(): ProxyService | null {
    return this.#proxy;
  }

  /** The request authenticator (whether auth is on; configured keys ready). */
  get auth(): Authenticator {
    return this.#ctx.auth;
  }

  /** `ForkPeer.exportFork` for a source in this engine's store. */
  exportFork(request: ForkRequest): Promise<ForkSource> {
    return exportFork(this.#ctx, request);
  }

  /** `ForkPeer.readFork` for a source in this engine's store. */
  readFork(origin: ForkOrigin, from: number, to: number, maxBytes: number): Promise<ByteRange> {
    return readFork(this.#ctx, origin, from, to, maxBytes);
  }

  /** `ForkPeer.forkBoundary` for a source in this engine's store. */
  forkBoundary(origin: ForkOrigin, position: number): Promise<number | undefined> {
    return forkBoundary(this.#ctx, origin, position);
  }

  /** `ForkPeer.forkMessageStart` for a source in this engine's store. */
  forkMessageStart(origin: ForkOrigin, position: number): Promise<number | undefined> {
    return forkMessageStart(this.#ctx, origin, position);
  }

  /** `ForkPeer.releaseFork` for a source in this engine's store. */
  releaseFork(origin: ForkOrigin): Promise<void> {
    return releaseFork(this.#ctx, origin);
  }

  /**
   * Resumes an SSE session saved with `SseStream.state()` (by a runtime that
   * dropped it from memory) on `sink`, or null when its stream is gone.
   */
  resumeSse(state: SseSessionState, sink: ByteSink): SseStream | null {
    return resumeSse(this.#ctx, state, sink);
  }

  /** Number of open live reads. */
  get liveReadCount(): number {
    return this.#ctx.liveReads.size;
  }

  #dispatch(request: EngineRequest, streamUrl: string): EngineResponse | Promise<EngineResponse> {
    if (request.method === "OPTIONS") {
      return {
        status: 204,
        headers: preflightHeaders(request.header("access-control-request-headers")),
        body: null,
      };
    }
    if (isReservedPath(request.path)) {
      return reservedRouter.route(this.#ctx, request, streamUrl, () =>
        this.#ctx.auth.authenticate(request),
      );
    }
    const access = this.#ctx.auth.authenticate(request);
    if (access instanceof Promise) {
      return access.then((granted) => this.#authorized(request, streamUrl, granted));
    }
    return this.#authorized(request, streamUrl, access);
  }

  #authorized(
    request: EngineRequest,
    streamUrl: string,
    access: Access,
  ): EngineResponse | Promise<EngineResponse> {
    validatePath(request.path);
    authorizeStreamRequest(this.#ctx, request, access);
    if (access.expiresAt === null) return this.#operation(request, streamUrl);
    return boundLiveRead(request, access, this.#ctx.clock.now(), (bounded) =>
      this.#operation(bounded, streamUrl),
    );
  }

  #operation(request: EngineRequest, streamUrl: string): EngineResponse | Promise<EngineResponse> {
    switch (request.method) {
      case "PUT":
        return createStream(this.#ctx, request, streamUrl);
      case "POST":
        return appendStream(this.#ctx, request);
      case "GET":
        return readStream(this.#ctx, request);
      case "HEAD":
        return headStream(this.#ctx, request);
      case "DELETE":
        return deleteStream(this.#ctx, request);
      default:
        throw new ProtocolError(405, "METHOD_NOT_ALLOWED", `method ${request.method} not allowed`, {
          allow: "GET, HEAD, PUT, POST, DELETE, OPTIONS",
        });
    }
  }

  #errorResponse(error: unknown, request: EngineRequest): EngineResponse {
    if (!(error instanceof ProtocolError)) {
      this.#onInternalError(error, request);
      error = new ProtocolError(500, "INTERNAL", "internal server error");
    }
    const { status, code, message, headers } = error as ProtocolError;
    this.#onRejected?.(status, code, request);
    return {
      status,
      headers: {
        ...headers,
        "content-type": "application/json",
        "cache-control": "no-store",
      },
      body: [encoder.encode(JSON.stringify({ error: { code, message } }))],
    };
  }
}

/**
 * Stream paths are keys; refuse the ones that could be traversal or garbage
 * (the same rules runtimes apply when they decode a request target).
 */
function validatePath(path: string): void {
  const problem = streamPathProblem(path);
  if (problem !== null) throw badRequest("BAD_REQUEST", problem);
}
