/**
 * `DurableStreamObject`: one Durable Object per stream, running the same
 * `@durastream/server-core` engine as the Node server over a store in the
 * object's own SQLite. The object donates what the engine needs from a
 * runtime: one event at a time (atomic check-and-write), output gates
 * (acknowledged once durable), in-process wake-ups and per-stream alarms.
 * Forks reach their source's object over RPC (the `fork*` methods below).
 */

import { DurableObject } from "cloudflare:workers";
import {
  DurableStreamsEngine,
  type ForkOrigin,
  type ForkRequest,
  type ForkSource,
  isSseStream,
  loadPart,
  systemClock,
  WakeHub,
} from "@durastream/server-core";
import { type Config, type Env, readConfig } from "../config.js";
import { SocketSessions } from "../fanout/socket-sessions.js";
import { DEFAULT_WATCH_MS, proxySettings } from "../proxy/proxy-settings.js";
import { REGISTRY_NAME } from "../registry/registry-entry.js";
import { COORDINATOR_NAME } from "../subscriptions/coordinator-rpc.js";
import { jsonError } from "../worker/json-error.js";
import { AlarmExpiryScheduler } from "./alarm-expiry.js";
import { fetchResponse, handleInEngine } from "./http-bridge.js";
import { ObjectLiveReaders } from "./live-readers.js";
import { ObjectAlarm } from "./object-alarm.js";
import { ProxyHost } from "./proxy-host.js";
import { RegistryOutbox } from "./registry-outbox.js";
import { RemoteForkPeer } from "./remote-fork-peer.js";
import { type RpcResult, rpcResult, type WireRange } from "./rpc-result.js";
import { SqlStore } from "./sql-store.js";
import type { StreamObjectRpc } from "./stream-object-rpc.js";
import { WatchReporter } from "./watch-reporter.js";

/** The Durable Object that owns one stream. */
export class DurableStreamObject extends DurableObject<Env> implements StreamObjectRpc {
  readonly #config: Config;
  readonly #store: SqlStore;
  readonly #alarm: ObjectAlarm;
  readonly #expiry: AlarmExpiryScheduler;
  readonly #forks: RemoteForkPeer;
  readonly #engine: DurableStreamsEngine;
  readonly #sockets: SocketSessions;
  readonly #registry: RegistryOutbox;
  readonly #watch: WatchReporter;
  readonly #proxy: ProxyHost;
  readonly #liveReaders: ObjectLiveReaders;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#alarm = new ObjectAlarm(ctx.storage);
    this.#registry = new RegistryOutbox({
      storage: ctx.storage,
      registry: () => env.REGISTRY.getByName(REGISTRY_NAME),
      alarm: this.#alarm,
      refreshMs: this.#config.registryRefreshMs,
      now: systemClock.now,
    });
    this.#store = new SqlStore(
      ctx.storage,
      {
        maxStreamBytes: this.#config.maxStreamBytes,
        producerCacheSize: this.#config.producerCacheSize,
      },
      this.#registry,
    );
    // Each producer's state is deleted by the alarm's sweep once idle past the TTL.
    this.#store.onProducerWrite = (at) => void this.#alarm.requestAt(this.#producerSweepAt(at));
    this.#expiry = new AlarmExpiryScheduler(this.#alarm);
    const subscriptions = env.SUBSCRIPTIONS;
    this.#watch = new WatchReporter({
      coordinator: subscriptions && (() => subscriptions.getByName(COORDINATOR_NAME)),
      sql: ctx.storage.sql,
      alarmAt: (at) => this.#alarm.requestAt(at),
      now: systemClock.now,
    });
    this.#forks = new RemoteForkPeer({
      namespace: env.STREAMS,
      storage: ctx.storage,
      store: this.#store,
      alarm: this.#alarm,
      objectId: ctx.id.toString(),
      now: systemClock.now,
    });
    // The durable proxy (docs/proxy.md): used only by objects named `__ds/proxy/s/<id>`.
    const proxy = proxySettings(env, this.#config.secret);
    this.#engine = new DurableStreamsEngine({
      ...(proxy.kind === "on" ? { proxy: proxy.config } : {}),
      store: this.#store,
      hub: new WakeHub(),
      forks: this.#forks,
      expiry: this.#expiry,
      clock: systemClock,
      basePath: this.#config.basePath,
      secret: this.#config.secret,
      ...(this.#config.corsOrigins === undefined ? {} : { corsOrigins: this.#config.corsOrigins }),
      tokens: this.#config.tokens,
      longPollTimeoutMs: this.#config.longPollTimeoutMs,
      sseMaxConnectionMs: this.#config.sseMaxConnectionMs,
      maxBodyBytes: this.#config.maxBodyBytes,
      maxForkDepth: this.#config.maxForkDepth,
      maxProducerIdBytes: this.#config.maxProducerIdBytes,
      producerTtlSeconds: this.#config.producerTtlSeconds,
      // SSE timers run in the Worker that holds the reader (see fanout/sse-relay.ts):
      // a timer here would keep the object from hibernating.
      liveTimers: "runtime",
      // Subscriptions run in the coordinator object: it hears of this stream's changes.
      onStreamChange: (change) => {
        this.#watch.changed(change);
        if (change.kind !== "removed") this.#trimLater(change.path);
      },
      onInternalError: (error) => console.error("durastream: request failed", error),
    });
    // A fork trimming past its fork point first drops its hold on the source.
    this.#store.retention.beforeForkTrim = (record) =>
      this.#forks.dropHold(record.fork!, record.earliest);
    this.#proxy = new ProxyHost({
      engine: this.#engine,
      store: this.#store,
      alarm: this.#alarm,
      waitUntil: (work) => ctx.waitUntil(work),
      now: systemClock.now,
      watchMs: proxy.kind === "on" ? proxy.watchMs : DEFAULT_WATCH_MS,
    });
    this.#sockets = new SocketSessions(ctx, this.#engine);
    this.#sockets.restore();
    this.#liveReaders = new ObjectLiveReaders(ctx, this.#config.maxLiveReadersPerStream);
  }

  /**
   * Producer states this object holds in memory, at most
   * `STREAMS_PRODUCER_CACHE_SIZE` (the rest stay in its SQLite): for
   * subclasses that report it, such as the tests' objects.
   */
  protected get heldProducerStates(): number {
    return this.#store.cachedProducers;
  }

  /** A stream request routed here by the Worker (the URL is the client's). */
  override async fetch(request: Request): Promise<Response> {
    const admitted = this.#liveReaders.admit(request);
    if (admitted instanceof Response) return admitted;
    let response: Awaited<ReturnType<typeof handleInEngine>>;
    try {
      response =
        (await this.#proxy.handle(request)) ??
        (await handleInEngine(this.#engine, request, this.#config.basePath));
    } finally {
      admitted?.();
    }
    if (response === null) return new Response(null, { status: 404 });
    // The writer hears of its write once the coordinator has (when it must).
    await this.#watch.flush();
    // Creates, closes and deletes reach the listing right after the answer,
    // not before it: one registry object serializes every report, and the
    // client's write must not wait on it (if it fails, the alarm retries).
    if (this.#registry.hasPending()) {
      this.ctx.waitUntil(this.#registry.deliver().then(() => this.#compact()));
    } else if (request.method === "DELETE") {
      await this.#compact();
    }
    const body = response.body;
    if (isSseStream(body)) {
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
        return this.#sockets.open(response, body);
      }
      body.cancel();
      return jsonError(426, "UPGRADE_REQUIRED", "SSE reads reach the object through the Worker");
    }
    return fetchResponse(response);
  }

  /** The Worker asks for a keep-alive on an idle SSE connection. */
  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    this.#sockets.message(socket, message);
  }

  /** The Worker closed an SSE session's socket (the reader left or its lifetime ended). */
  override webSocketClose(socket: WebSocket): void {
    this.#sockets.closed(socket);
  }

  override webSocketError(socket: WebSocket): void {
    this.#sockets.closed(socket);
  }

  /** Expiry (of streams and of idle producers) and retries of fork releases. */
  override async alarm(): Promise<void> {
    await this.#alarm.run(
      async () => {
        // This instance may not be the one that saw the appends: note every stream with limits.
        for (const record of this.#store.records()) {
          if (record.retention !== null) this.#engine.mayTrim(record.path);
        }
        await this.#expiry.sweep();
        await this.#forks.retryDue();
        await this.#registry.due((path) => this.#store.get(path));
        await this.#watch.flush();
        await this.#proxy.onAlarm();
      },
      () =>
        earliest(
          earliest(
            earliest(this.#store.nextExpiry(), this.#forks.nextAttempt()),
            this.#nextProducerSweep(),
          ),
          earliest(
            earliest(this.#registry.nextAttempt(), this.#watch.nextAttempt()),
            earliest(this.#nextTrim(), this.#proxy.nextAlarm()),
          ),
        ),
    );
    await this.#compact();
  }

  /** When the alarm must next delete idle producers: once the longest idle one expired. */
  #nextProducerSweep(): number | null {
    const oldest = this.#store.oldestProducerUpdate();
    return oldest === null ? null : this.#producerSweepAt(oldest);
  }

  /**
   * When the state of a producer whose last append was at `at` is deleted:
   * past the TTL, plus a slack (a minute, or the TTL when shorter) so one
   * alarm deletes every producer that expired meanwhile, not one alarm each.
   * The engine already treats a state idle past the TTL as gone.
   */
  #producerSweepAt(at: number): number {
    const ttlMs = this.#config.producerTtlSeconds * 1000;
    return at + ttlMs + Math.min(ttlMs, PRODUCER_SWEEP_SLACK_MS);
  }

  /** Trims `path` from the alarm shortly (a write or a released fork may have made room). */
  #trimLater(path: string): void {
    const record = this.#store.get(path);
    if (record?.retention) void this.#alarm.requestAt(systemClock.now() + TRIM_DELAY_MS);
  }

  /** A fork of stream `sourceId` here stopped holding data back. */
  async #trimSoon(sourceId: number): Promise<void> {
    const record = this.#store.getById(sourceId);
    if (record?.retention) await this.#alarm.requestAt(systemClock.now() + TRIM_DELAY_MS);
  }

  /**
   * When the alarm must trim next: when the oldest retained data ages out.
   * Data still due after a trim is held back by forks, whose releases (and
   * trims past their fork points) wake the alarm; byte limits are checked
   * after each write.
   */
  #nextTrim(): number | null {
    const now = systemClock.now();
    let next: number | null = null;
    for (const record of this.#store.records()) {
      const maxAge = record.retention?.maxAgeSeconds ?? null;
      if (maxAge === null || record.softDeleted) continue;
      const due = this.#store.retention.nextAgeOut(record, maxAge);
      if (due !== null && due > now) next = earliest(next, due);
    }
    return next;
  }

  /**
   * Frees an object left with no stream and nothing owed to a fork source:
   * its SQLite file and alarm go, so a deleted stream costs no storage.
   */
  async #compact(): Promise<void> {
    if (!this.#store.ready || !this.#store.isEmpty() || this.#forks.hasPending()) return;
    if (this.#registry.hasPending() || this.#watch.hasPending()) return;
    this.#store.dropped();
    this.#registry.dropped();
    this.#watch.dropped();
    this.#alarm.reset();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  // --- Subscriptions, called by the coordinator. ---

  /**
   * The coordinator starts watching `path` (this object's): from now on
   * appends are reported. Returns the stream's tail, or null when it does not exist.
   */
  watchedBy(path: string): number | null {
    this.#watch.markWatched();
    const record = this.#store.get(path);
    return record && !record.softDeleted ? record.tail : null;
  }

  /** Appends a pull-wake event to this object's stream (the wake stream of a subscription). */
  async appendWakeEvent(path: string, event: string): Promise<boolean> {
    const appended = await this.#engine.appendWakeEvent(path, event);
    // Not awaited: the coordinator is waiting for this call, and a report it
    // must take first would wait for it in turn (an instance that does not
    // know yet that its wake stream is unwatched reports the append). The
    // report is journaled: delivered right after, or by the alarm.
    this.ctx.waitUntil(this.#watch.flush());
    if (this.#registry.hasPending()) this.ctx.waitUntil(this.#registry.deliver());
    return appended;
  }

  /**
   * `DurableStreamsEngine.trimStream` on this object's stream: the Yjs routes
   * trim the updates a snapshot holds after a compaction. Null when the
   * stream does not exist.
   */
  trimStream(path: string, offset: string): Promise<RpcResult<string | null>> {
    return rpcResult(async () => {
      if (!this.#store.ready) return null;
      return this.#engine.trimStream(path, offset);
    });
  }

  // --- The source's side of forks, called by forks in other objects. ---

  /** Resolves a fork point on this object's stream and takes a reference on it. */
  forkExport(request: ForkRequest): Promise<RpcResult<ForkSource>> {
    return rpcResult(async () => {
      const source = await this.#engine.exportFork(request);
      // The fork reads this stream from its earliest offset up to the fork
      // point: retention keeps that range until the fork says otherwise.
      if (source.earliest < source.origin.position) {
        this.#store.retention.hold(source.origin.sourceId, source.earliest);
      }
      return source;
    });
  }

  /** A fork in another object trimmed past its fork point: it reads nothing here any more. */
  forkUnhold(origin: ForkOrigin, key: string, heldFrom: number): Promise<RpcResult<null>> {
    return rpcResult(async () => {
      if (!this.#store.ready) return null;
      const first = this.ctx.storage.sql.exec(
        "INSERT OR IGNORE INTO applied_releases (release_key) VALUES (?)",
        key,
      ).rowsWritten;
      if (first === 0) return null;
      this.#store.retention.unhold(origin.sourceId, heldFrom);
      await this.#trimSoon(origin.sourceId);
      return null;
    });
  }

  /** Bytes of `[from, to)` of this object's stream, inherited data included. */
  forkRead(
    origin: ForkOrigin,
    from: number,
    to: number,
    maxBytes: number,
  ): Promise<RpcResult<WireRange>> {
    return rpcResult(async () => {
      const range = await this.#engine.readFork(origin, from, to, maxBytes);
      return { start: range.start, end: range.end, chunks: range.chunks.map(detached) };
    });
  }

  /** The end of the append that wrote byte `position`, or null. */
  forkBoundary(origin: ForkOrigin, position: number): Promise<RpcResult<number | null>> {
    return rpcResult(async () => (await this.#engine.forkBoundary(origin, position)) ?? null);
  }

  /** The start of the stored message that holds byte `position`, or null. */
  forkMessageStart(origin: ForkOrigin, position: number): Promise<RpcResult<number | null>> {
    return rpcResult(async () => (await this.#engine.forkMessageStart(origin, position)) ?? null);
  }

  /**
   * Drops the reference a fork took, once per `releaseKey` (a fork retries
   * until it hears back). The key is recorded in the same write batch as the
   * count, so a retry after a lost answer is a no-op.
   */
  forkRelease(
    origin: ForkOrigin,
    releaseKey: string,
    heldFrom: number | null = null,
  ): Promise<RpcResult<null>> {
    return rpcResult(async () => {
      if (!this.#store.ready || this.#store.getById(origin.sourceId) === undefined) return null;
      const first = this.ctx.storage.sql.exec(
        "INSERT OR IGNORE INTO applied_releases (release_key) VALUES (?)",
        releaseKey,
      ).rowsWritten;
      if (first === 0) return null;
      if (heldFrom !== null) this.#store.retention.unhold(origin.sourceId, heldFrom);
      await this.#engine.releaseFork(origin);
      await this.#trimSoon(origin.sourceId);
      await this.#compact();
      return null;
    });
  }
}

/** How long after a write the alarm trims a stream with retention limits. */
const TRIM_DELAY_MS = 1_000;

/** Most time an expired producer's row waits for the alarm that deletes it. */
const PRODUCER_SWEEP_SLACK_MS = 60_000;

/** The earlier of two optional times. */
function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * The bytes of a body part as their own buffer: an RPC copies a typed array's
 * whole underlying buffer, and a slice of a 1 MiB chunk must not cost 1 MiB.
 */
function detached(part: Parameters<typeof loadPart>[0]): Uint8Array {
  const bytes = loadPart(part);
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : bytes.slice();
}
