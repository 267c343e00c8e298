/**
 * The durable proxy inside a stream's Durable Object: the object named
 * `__ds/proxy/s/<id>` holds that proxy stream's data and journal streams and
 * runs its upstream call with the engine's `ProxyService`, exactly as Node
 * does. What differs is keeping the object alive and noticing its death:
 *
 * - while an upstream body is piped, `ctx.waitUntil` holds the pipe, and the
 *   object's alarm fires every few seconds (an alarm is an event: the object
 *   is not idle, so not evicted, while its response arrives; period
 *   `STREAMS_PROXY_WATCH_MS`);
 * - an alarm that finds no upstream call in flight but a response still
 *   marked running means the object was evicted or restarted mid-response
 *   (a deployment, a crash): the response is ended with the outcome
 *   `interrupted` (the proxy's recovery), so readers are told instead of
 *   waiting forever. What was acknowledged before stays readable.
 */

import {
  type DurableStreamsEngine,
  type EngineResponse,
  JOURNAL_PREFIX,
  type ProxyRequest,
  type ProxyService,
} from "@durastream/server-core";
import { drainBody } from "../drain-body.js";
import { PROXY_PATH } from "../proxy/proxy-settings.js";
import { PROXY_STREAM_ID_HEADER } from "../proxy/proxy-worker.js";
import { chunksOf } from "./http-bridge.js";
import type { ObjectAlarm } from "./object-alarm.js";
import type { SqlStore } from "./sql-store.js";

/** What the host needs of its object. */
export interface ProxyHostDeps {
  readonly engine: DurableStreamsEngine;
  readonly store: SqlStore;
  readonly alarm: ObjectAlarm;
  readonly waitUntil: (work: Promise<unknown>) => void;
  readonly now: () => number;
  /** Period of the watch alarm while an upstream response arrives, ms. */
  readonly watchMs: number;
}

/** The proxy routes of one object. */
export class ProxyHost {
  constructor(private readonly deps: ProxyHostDeps) {}

  /** Handles `request` when it is a proxy request (the Worker routed it here); null otherwise. */
  async handle(request: Request): Promise<EngineResponse | null> {
    const url = new URL(request.url);
    if (url.pathname !== PROXY_PATH && !url.pathname.startsWith(`${PROXY_PATH}/`)) return null;
    const proxy = this.deps.engine.proxy;
    if (proxy === null) return null;
    const rest = url.pathname.slice(PROXY_PATH.length).replace(/^\//, "");
    const response = await proxy.handle(
      new FetchProxyRequest(request, rest, url.searchParams),
      `${url.origin}${PROXY_PATH}`,
    );
    await drainBody(request);
    if (request.method === "POST" && response.status === 201) await this.#watch(proxy);
    return response;
  }

  /** Keeps the object alive while the upstream response arrives. */
  async #watch(proxy: ProxyService): Promise<void> {
    this.deps.waitUntil(proxy.settled());
    await this.deps.alarm.requestAt(this.deps.now() + this.deps.watchMs);
  }

  /**
   * The alarm's part: ends responses a previous instance of this object left
   * running. Does nothing while this instance has an upstream call in flight.
   */
  async onAlarm(): Promise<void> {
    const proxy = this.deps.engine.proxy;
    if (proxy === null || proxy.busy) return;
    if (!this.#holdsProxyStreams()) return;
    const recovered = await proxy.recover();
    if (recovered > 0) {
      console.warn(
        `durastream: proxy: ${recovered} response(s) cut by a restart ended as interrupted`,
      );
    }
  }

  /** When the alarm must fire next for the proxy: soon while a response arrives. */
  nextAlarm(): number | null {
    const proxy = this.deps.engine.proxy;
    return proxy?.busy ? this.deps.now() + this.deps.watchMs : null;
  }

  #holdsProxyStreams(): boolean {
    if (!this.deps.store.ready) return false;
    for (const record of this.deps.store.records()) {
      if (record.path.startsWith(JOURNAL_PREFIX)) return true;
    }
    return false;
  }
}

/** A Fetch API request as the proxy's request (its body streamed). */
class FetchProxyRequest implements ProxyRequest {
  readonly method: string;
  readonly body: AsyncIterable<Uint8Array> | null;
  readonly streamId?: string;

  constructor(
    private readonly request: Request,
    readonly path: string,
    readonly query: URLSearchParams,
  ) {
    this.method = request.method;
    const stream = request.method === "POST" || request.method === "PATCH" ? request.body : null;
    this.body = stream === null ? null : chunksOf(stream);
    // Set by the Worker, which removes any the client sent.
    const id = request.headers.get(PROXY_STREAM_ID_HEADER);
    if (id !== null) this.streamId = id;
  }

  get signal(): AbortSignal {
    return this.request.signal;
  }

  header(name: string): string | null {
    return this.request.headers.get(name);
  }

  /**
   * The client's headers: not the Worker's internal one, nor those Cloudflare
   * adds to every request (`cf-connecting-ip`, `cf-ray`, …), which must not
   * reach the upstream.
   */
  headerNames(): readonly string[] {
    const names: string[] = [];
    for (const name of this.request.headers.keys()) {
      if (name === PROXY_STREAM_ID_HEADER || name.startsWith("cf-")) continue;
      if (name === "x-real-ip" || name === "x-forwarded-proto") continue;
      names.push(name);
    }
    return names;
  }
}
