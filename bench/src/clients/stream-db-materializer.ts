/**
 * Materializes a State Protocol stream into TanStack DB collections with one
 * `createStreamDB` implementation (durastream's or the official one), a live
 * query attached first, and reports how long it took and the longest
 * event-loop stall meanwhile. With `fill`, first writes the stream.
 */

import * as official from "@durable-streams/state/db";
import * as ours from "@durastream/state/db";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { clientArguments, emit, runClient } from "./client-protocol.js";

interface Arguments {
  readonly port: number;
  readonly path: string;
  readonly events: number;
  readonly impl: "durastream" | "official";
  readonly fill: boolean;
}

// Apps ship TanStack DB in production mode (no per-row development checks).
process.env.NODE_ENV = "production";

type Row = { id: string; status?: string };
const accept: StandardSchemaV1<Row> = {
  "~standard": { version: 1, vendor: "bench", validate: (value) => ({ value: value as Row }) },
};
const collections = {
  jobs: { schema: accept, type: "job", primaryKey: "id" },
  owners: { schema: accept, type: "owner", primaryKey: "id" },
};

/** 100 owners, then job inserts (60 %), updates and deletes. */
function boardEvents(total: number): unknown[] {
  const events: unknown[] = [];
  const change = (type: string, key: string, operation: string, value?: object) =>
    events.push({ type, key, value, headers: { operation } });
  for (let i = 0; i < 100; i++)
    change("owner", `o${i}`, "insert", { id: `o${i}`, name: `owner ${i}` });
  const rows = Math.floor(total * 0.6);
  for (let i = 0; events.length < total; i++) {
    const key = `j${i % rows}`;
    if (i < rows)
      change("job", key, "insert", {
        id: key,
        status: "open",
        ownerId: `o${i % 100}`,
        pay: i % 500,
      });
    else if (i % 5 === 0) change("job", key, "delete");
    else
      change("job", key, "update", { id: key, status: "filled", ownerId: `o${i % 100}`, pay: 1 });
  }
  return events;
}

async function fill(url: string, total: number): Promise<void> {
  const put = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } });
  if (!put.ok) throw new Error(`PUT ${url}: ${put.status}`);
  const events = boardEvents(total);
  for (let i = 0; i < events.length; i += 5000) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(events.slice(i, i + 5000)),
    });
    if (!res.ok) throw new Error(`POST ${url}: ${res.status}`);
  }
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const url = `http://127.0.0.1:${args.port}${args.path}`;
  if (args.fill) await fill(url, args.events);
  const lib = (args.impl === "durastream" ? ours : official) as typeof ours;

  const period = 5;
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  let maxWallStallMs = 0;
  let maxCpuStallMs = 0;
  const tick = () => {
    const wall = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    maxWallStallMs = Math.max(maxWallStallMs, wall - lastWall - period);
    maxCpuStallMs = Math.max(maxCpuStallMs, (cpu.user + cpu.system) / 1000 - period);
    lastWall = wall;
    lastCpu = process.cpuUsage();
  };

  const started = performance.now();
  const timer = setInterval(tick, period);
  const db = lib.createStreamDB({
    streamOptions: { url },
    state: lib.createStateSchema(collections),
    live: false,
  });
  const open = lib.createLiveQueryCollection((q) =>
    q.from({ job: db.collections.jobs }).where(({ job }) => lib.eq(job.status, "open")),
  );
  await Promise.all([open.preload(), db.preload()]);
  tick();
  clearInterval(timer);
  const loadMs = performance.now() - started;
  emit("result", {
    impl: args.impl,
    events: args.events,
    loadMs,
    eventsPerSecond: args.events / (loadMs / 1000),
    maxCpuStallMs,
    maxWallStallMs,
    rows: db.collections.jobs.size,
    openJobs: open.size,
  });
  db.close();
});
