/**
 * `DurableStreamObject`: one Durable Object per stream, running the same
 * `@durastream/server-core` engine as the Node server over a store in the
 * object's own SQLite. The object donates what the engine needs from a
 * runtime: one event at a time (atomic check-and-write), output gates
 * (acknowledged once durable), in-process wake-ups and per-stream alarms.
 */

import { DurableObject } from "cloudflare:workers";
import { DurableStreamsEngine } from "@durastream/server-core";
import { type Config, type Env, readConfig } from "../config.js";
import { streamPath } from "../worker/stream-path.js";
import { engineRequest, fetchResponse } from "./http-bridge.js";
import { SqlStore } from "./sql-store.js";

/** The Durable Object that owns one stream. */
export class DurableStreamObject extends DurableObject<Env> {
  readonly #config: Config;
  readonly #store: SqlStore;
  readonly #engine: DurableStreamsEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#store = new SqlStore(ctx.storage, { maxStreamBytes: this.#config.maxStreamBytes });
    this.#engine = new DurableStreamsEngine({
      store: this.#store,
      basePath: this.#config.basePath,
      secret: this.#config.secret,
      longPollTimeoutMs: this.#config.longPollTimeoutMs,
      sseMaxConnectionMs: this.#config.sseMaxConnectionMs,
      maxBodyBytes: this.#config.maxBodyBytes,
      onInternalError: (error) => console.error("durastream: request failed", error),
    });
  }

  /** A stream request routed here by the Worker (the URL is the client's). */
  override async fetch(request: Request): Promise<Response> {
    const target = streamPath(request.url, this.#config.basePath);
    if (target.kind !== "stream") return new Response(null, { status: 404 });
    const url = new URL(request.url);
    const response = await this.#engine.handle(
      engineRequest(request, target.path, url),
      `${url.origin}${target.pathname}`,
    );
    return fetchResponse(response);
  }
}
