/**
 * The cost model of docs/cloudflare.md, counted: the Worker and its objects
 * run in a metering mode (`workerd/metering-worker.ts`) that counts Durable
 * Object requests, alarm runs, SQLite rows read and written and `setAlarm`
 * calls, while this suite makes appends of each kind the model prices:
 *
 * - a busy stream's append (the listing's tail report is due later, and is
 *   shared by every append of its refresh period), unwatched and watched by
 *   a subscription;
 * - a quiet stream's append (appends slower than `REGISTRY_REFRESH_MS` and
 *   than the object's eviction: each one meets a new instance and is
 *   reported to the listing by the object's alarm);
 * - a create and a delete (each reported to the listing and the coordinator).
 *
 * The figures are printed (`COST_MODEL_PRINT=1` shows them) and checked
 * against what the docs state, so the docs cannot drift from the code.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = fileURLToPath(new URL(".", import.meta.url));
const TEXT = { "content-type": "text/plain" };
/** Refresh of the quiet worker: its appends come slower than this. */
const QUIET_REFRESH_MS = 250;

interface Counts {
  requests: Record<string, number>;
  rowsRead: number;
  rowsWritten: number;
  setAlarm: number;
}

/** Per operation: object requests (alarm runs included), alarm runs, rows read, rows written (setAlarm included). */
interface Cost {
  requests: number;
  alarms: number;
  rowsRead: number;
  rowsWritten: number;
}

let busy: LocalWorker;
let quiet: LocalWorker;
const figures: Record<string, Cost> = {};

let script: string;
const persisted = tempDir();

/** The quiet worker (its objects persisted, so that it can restart). */
function startQuiet(): Promise<LocalWorker> {
  return startLocalWorker({
    port: 0,
    script,
    persistTo: persisted.dir,
    vars: { REGISTRY_REFRESH_MS: String(QUIET_REFRESH_MS) },
  });
}

beforeAll(async () => {
  script = await bundleWorker({ entry: join(HERE, "workerd", "metering-worker.ts") });
  [busy, quiet] = await Promise.all([
    // No tail report within the test: what an append itself costs.
    startLocalWorker({ port: 0, script, vars: { REGISTRY_REFRESH_MS: "3600000" } }),
    startQuiet(),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([busy?.close(), quiet?.close()]);
  persisted.cleanup();
  if (process.env.COST_MODEL_PRINT) console.table(figures);
});

async function meter(worker: LocalWorker, reset = false): Promise<Counts> {
  const response = await fetch(`${worker.url}/__meter${reset ? "?reset" : ""}`);
  return (await response.json()) as Counts;
}

/** Counts of `work`, divided by `operations`. */
async function measure(
  worker: LocalWorker,
  operations: number,
  work: () => Promise<void>,
): Promise<Cost> {
  await meter(worker, true);
  await work();
  const counts = await meter(worker);
  const requests = Object.values(counts.requests).reduce((sum, n) => sum + n, 0);
  const alarms = Object.entries(counts.requests)
    .filter(([kind]) => kind.endsWith(".alarm"))
    .reduce((sum, [, n]) => sum + n, 0);
  const per = (n: number) => Math.round((n / operations) * 100) / 100;
  return {
    requests: per(requests),
    alarms: per(alarms),
    rowsRead: per(counts.rowsRead),
    rowsWritten: per(counts.rowsWritten + counts.setAlarm),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function put(worker: LocalWorker, path: string): Promise<void> {
  const response = await fetch(`${worker.url}/v1/stream/${path}`, { method: "PUT", headers: TEXT });
  expect(response.status).toBe(201);
}

async function append(worker: LocalWorker, path: string, body = "x".repeat(100)): Promise<void> {
  const response = await fetch(`${worker.url}/v1/stream/${path}`, {
    method: "POST",
    headers: TEXT,
    body,
  });
  expect(response.status).toBe(204);
}

/** Builds the registry and the coordinator (one request each), as a deployment's are always up. */
async function warmSingletons(worker: LocalWorker): Promise<void> {
  const listing = await fetch(`${worker.url}/v1/stream/__ds/streams?limit=1`);
  expect(listing.status).toBe(200);
  await listing.arrayBuffer();
  const subscription = await fetch(`${worker.url}/v1/stream/__ds/subscriptions/none`);
  expect(subscription.status).toBe(404);
  await subscription.arrayBuffer();
}

async function subscribe(worker: LocalWorker, id: string, stream: string): Promise<void> {
  await put(worker, `${id}-wake`);
  const response = await fetch(`${worker.url}/v1/stream/__ds/subscriptions/${id}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "pull-wake", streams: [stream], wake_stream: `${id}-wake` }),
  });
  expect(response.status).toBe(201);
}

describe("Cloudflare cost model, counted under workerd", () => {
  it("a busy stream's append: one object request, one row written", async () => {
    await put(busy, "cost/busy");
    await append(busy, "cost/busy"); // the object's first append asks the coordinator once
    const cost = await measure(busy, 50, async () => {
      for (let i = 0; i < 50; i++) await append(busy, "cost/busy");
    });
    figures["busy append"] = cost;
    expect(cost).toEqual({ requests: 1, alarms: 0, rowsRead: expect.any(Number), rowsWritten: 1 });
  });

  it("a watched busy stream's append adds one coordinator call and its rows", async () => {
    await put(busy, "cost/watched");
    await subscribe(busy, "cost-sub", "cost/watched");
    await append(busy, "cost/watched"); // wakes the subscription once
    const cost = await measure(busy, 50, async () => {
      for (let i = 0; i < 50; i++) await append(busy, "cost/watched");
    });
    figures["watched busy append"] = cost;
    expect(cost).toEqual({ requests: 2, alarms: 0, rowsRead: expect.any(Number), rowsWritten: 4 });
  });

  it("a stream's tail report to the listing: the object's alarm and one registry call", async () => {
    // Appends slower than REGISTRY_REFRESH_MS to an object that stays in
    // memory: each append is reported by the alarm on its own.
    await put(quiet, "cost/reported");
    await append(quiet, "cost/reported");
    await sleep(QUIET_REFRESH_MS * 3);
    const appends = 6;
    const cost = await measure(quiet, appends, async () => {
      for (let i = 0; i < appends; i++) {
        await append(quiet, "cost/reported");
        await sleep(QUIET_REFRESH_MS * 2);
      }
    });
    figures["append + tail report"] = cost;
    expect(cost).toMatchObject({ requests: 3, alarms: 1 });
    expect(cost.rowsWritten).toBeLessThanOrEqual(9);
  });

  it("a quiet stream's append: a fresh instance, reported to the listing by its alarm", async () => {
    // A stream appended to every minute or so is evicted in between (workerd
    // evicts an idle object after about 10 s): each append meets a new
    // instance, which asks the coordinator whether the stream is watched,
    // and its alarm reports the tail. A restart of workerd stands in for
    // the eviction; the registry and the coordinator, busy singletons in a
    // deployment, are woken before counting.
    await put(quiet, "cost/quiet");
    await sleep(QUIET_REFRESH_MS * 3);
    const appends = 4;
    const total: Cost = { requests: 0, alarms: 0, rowsRead: 0, rowsWritten: 0 };
    for (let i = 0; i < appends; i++) {
      await quiet.close();
      quiet = await startQuiet();
      await warmSingletons(quiet);
      const cost = await measure(quiet, 1, async () => {
        await append(quiet, "cost/quiet");
        await sleep(QUIET_REFRESH_MS * 3);
      });
      for (const key of Object.keys(total) as (keyof Cost)[]) total[key] += cost[key];
    }
    const cost = Object.fromEntries(
      Object.entries(total).map(([key, n]) => [key, Math.round((n / appends) * 100) / 100]),
    ) as unknown as Cost;
    figures["quiet append (fresh instance)"] = cost;
    expect(cost.alarms).toBe(1);
    // The append, the coordinator's check, the alarm run, the registry's report.
    expect(cost.requests).toBe(4);
    expect(cost.rowsWritten).toBeLessThanOrEqual(11);
  }, 60_000);

  it("a create and a delete: reported to the listing and the coordinator", async () => {
    const streams = 10;
    const created = await measure(busy, streams, async () => {
      for (let i = 0; i < streams; i++) await put(busy, `cost/made/${i}`);
      await sleep(500);
    });
    figures.create = created;
    const deleted = await measure(busy, streams, async () => {
      for (let i = 0; i < streams; i++) {
        const response = await fetch(`${busy.url}/v1/stream/cost/made/${i}`, { method: "DELETE" });
        expect(response.status).toBe(204);
      }
      await sleep(500);
    });
    figures.delete = deleted;
    expect(created.requests).toBe(3);
    expect(deleted.requests).toBe(3);
  });
});
