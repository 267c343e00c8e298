/**
 * The production Worker and objects in a metering mode, for the cost model
 * (docs/cloudflare.md, `test/cost-model.test.ts`): it counts what Cloudflare
 * bills — Durable Object requests (HTTP requests, RPC calls, alarm runs,
 * incoming WebSocket messages), SQLite rows read and written (the
 * `rowsRead` / `rowsWritten` of every cursor the objects' SQL returns, which
 * are what Cloudflare bills) and `setAlarm` / `deleteAlarm` calls (each
 * counted as a row written, as Cloudflare bills `setAlarm`). Each object's `ctx` is wrapped before the production constructor
 * sees it, so the production code runs unchanged. Module state is shared by
 * the Worker and its objects in workerd's one isolate; `GET /__meter` reads
 * the counts (and `?reset` zeroes them).
 */

import type { StreamChange } from "@durastream/server-core";
import worker, {
  type Env,
  SubscriptionCoordinator as ProductionCoordinator,
  StreamRegistry as ProductionRegistry,
  DurableStreamObject as ProductionStream,
} from "../../src/index.js";
import type { RegistryEntry } from "../../src/registry/registry-entry.js";

interface Counts {
  /** Object requests by `class.kind` (`stream.fetch`, `registry.report`, `stream.alarm`, …). */
  requests: Record<string, number>;
  rowsRead: number;
  rowsWritten: number;
  /** `setAlarm` and `deleteAlarm` calls, counted as a row written each. */
  setAlarm: number;
}

let counts: Counts = fresh();
/** Cursors whose rows are not counted yet: a cursor's counts are final once it is consumed. */
let cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];

function fresh(): Counts {
  return { requests: {}, rowsRead: 0, rowsWritten: 0, setAlarm: 0 };
}

function request(kind: string): void {
  settle();
  counts.requests[kind] = (counts.requests[kind] ?? 0) + 1;
}

/** Adds up the rows of the cursors returned so far. */
function settle(): void {
  for (const cursor of cursors) {
    counts.rowsRead += cursor.rowsRead;
    counts.rowsWritten += cursor.rowsWritten;
  }
  cursors = [];
}

/**
 * `ctx`, its storage now counting rows and alarms. The runtime accepts only
 * its own `DurableObjectState`, so its storage's methods are replaced in
 * place (own properties over the prototype's) rather than wrapped in a proxy.
 */
function metered(ctx: DurableObjectState): DurableObjectState {
  const storage = ctx.storage as DurableObjectStorage & { metered?: true };
  if (storage.metered) return ctx;
  const sql = storage.sql;
  const exec = sql.exec.bind(sql);
  sql.exec = ((query: string, ...bindings: unknown[]) => {
    const cursor = exec(query, ...bindings);
    cursors.push(cursor);
    return cursor;
  }) as SqlStorage["exec"];
  const setAlarm = storage.setAlarm.bind(storage);
  storage.setAlarm = (at, options) => {
    counts.setAlarm++;
    return setAlarm(at, options);
  };
  const deleteAlarm = storage.deleteAlarm.bind(storage);
  storage.deleteAlarm = (options) => {
    counts.setAlarm++;
    return deleteAlarm(options);
  };
  storage.metered = true;
  return ctx;
}

/** `DurableStreamObject`, metered. */
export class DurableStreamObject extends ProductionStream {
  constructor(ctx: DurableObjectState, env: Env) {
    super(metered(ctx), env);
  }
  override fetch(req: Request): Promise<Response> {
    request("stream.fetch");
    return super.fetch(req);
  }
  override alarm(): Promise<void> {
    request("stream.alarm");
    return super.alarm();
  }
  override webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): void {
    request("stream.websocket-message");
    super.webSocketMessage(socket, message);
  }
  override watchedBy(path: string): number | null {
    request("stream.watchedBy");
    return super.watchedBy(path);
  }
  override appendWakeEvent(path: string, event: string): Promise<boolean> {
    request("stream.appendWakeEvent");
    return super.appendWakeEvent(path, event);
  }
}

/** `StreamRegistry`, metered. */
export class StreamRegistry extends ProductionRegistry {
  constructor(ctx: DurableObjectState, env: Env) {
    super(metered(ctx), env);
  }
  override fetch(req: Request): Promise<Response> {
    request("registry.fetch");
    return super.fetch(req);
  }
  override report(entries: readonly RegistryEntry[]): void {
    request("registry.report");
    super.report(entries);
  }
}

/** `SubscriptionCoordinator`, metered. */
export class SubscriptionCoordinator extends ProductionCoordinator {
  constructor(ctx: DurableObjectState, env: Env) {
    super(metered(ctx), env);
  }
  override fetch(req: Request): Promise<Response> {
    request("coordinator.fetch");
    return super.fetch(req);
  }
  override streamChanged(change: StreamChange): Promise<boolean> {
    request("coordinator.streamChanged");
    return super.streamChanged(change);
  }
  override alarm(): Promise<void> {
    request("coordinator.alarm");
    return super.alarm();
  }
}

export default {
  fetch(req, env, ctx) {
    const url = new URL(req.url);
    if (url.pathname === "/__meter") {
      settle();
      const body = JSON.stringify(counts);
      if (url.searchParams.has("reset")) counts = fresh();
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    return worker.fetch(req, env, ctx);
  },
} satisfies ExportedHandler<Env>;
