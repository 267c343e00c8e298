/**
 * Materializes a State Protocol stream into TanStack DB collections with one
 * `createStreamDB` implementation (durastream's or the official one), a live
 * query attached first, and reports how long it took, the longest event-loop
 * block meanwhile and the memory it holds. With `fill`, only writes the stream.
 */

import * as official from "@durable-streams/state/db";
import * as ours from "@durastream/state/db";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { clientArguments, emit, runClient } from "./client-protocol.js";
import { measureLoopBlocks } from "./loop-blocks.js";

interface Arguments {
  readonly port: number;
  readonly path: string;
  readonly events: number;
  readonly impl?: "durastream" | "official";
  /** Only write the stream (in its own process, so the reader's memory is its own). */
  readonly fill?: boolean;
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
  if (args.fill) {
    await fill(url, args.events);
    emit("result", { filled: args.events });
    return;
  }
  const lib = (args.impl === "durastream" ? ours : official) as typeof ours;
  // A page has fetch loaded already: the first fetch's module loading is not the reader's stall.
  const head = await fetch(url, { method: "HEAD" });
  if (!head.ok) throw new Error(`HEAD ${url}: ${head.status}`);

  const blocks = measureLoopBlocks();
  const started = performance.now();
  const db = lib.createStreamDB({
    streamOptions: { url },
    state: lib.createStateSchema(collections),
    // Both read until the stream's tail, then would follow it; not `live: false`:
    // the official client (0.2.x) then reads a single response, and durastream's
    // server answers a catch-up in responses of at most 4 MiB, so the official
    // StreamDB would wait forever for an up-to-date it never reads.
    live: true,
  });
  // Attached first, as a mounted view would be: it follows the collection as it fills.
  const open = lib.createLiveQueryCollection((q) =>
    q.from({ job: db.collections.jobs }).where(({ job }) => lib.eq(job.status, "open")),
  );
  let materializeMs = Number.NaN;
  let liveQueryMs = Number.NaN;
  await Promise.all([
    db.preload().then(() => {
      materializeMs = performance.now() - started;
    }),
    open.preload().then(() => {
      liveQueryMs = performance.now() - started;
    }),
  ]);
  const loop = blocks.stop();
  const heapUsedBytes = process.memoryUsage().heapUsed;
  emit("result", {
    impl: args.impl,
    events: args.events,
    materializeMs,
    liveQueryMs,
    eventsPerSecond: args.events / (Math.max(materializeMs, liveQueryMs) / 1000),
    ...loop,
    heapUsedBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rows: db.collections.jobs.size,
    openJobs: open.size,
  });
  db.close();
});
