/**
 * Scenario: a State Protocol stream of 100,000 events (BENCH_SCALE scales it)
 * materialized into TanStack DB collections with a live query attached,
 * durastream's `createStreamDB` against the official one, each in its own
 * process, reading the same stream from durastream's server (written first by
 * a third process). Reports the time until the collections are ready and until
 * the live query answers, the longest event-loop block (main-thread CPU in one
 * gap of a 5 ms timer; wall time beside it) and the reader's memory.
 */

import { config } from "../bench-config.js";
import { type ClientEvent, runClientToResult } from "../client-process.js";
import { bound, type MetricValue, type Scenario } from "../scenario.js";

const PATH = "/v1/stream/bench/stream-db";

/** The same figure for both readers, side by side. */
const FIGURES = [
  { field: "materializeMs", label: "ms until the collections are ready", decimals: 0 },
  { field: "liveQueryMs", label: "ms until the live query answers", decimals: 0 },
  { field: "eventsPerSecond", label: "events/s", decimals: 0 },
  { field: "maxMainThreadBlockMs", label: "longest block, main-thread CPU ms", decimals: 1 },
  { field: "maxWallBlockMs", label: "longest block, wall ms", decimals: 1 },
  { field: "peakRssMegabytes", label: "reader peak RSS MB", decimals: 0 },
  { field: "heapUsedMegabytes", label: "reader heap used after MB", decimals: 0 },
] as const;

function figures(run: ClientEvent): Record<string, number> {
  return {
    materializeMs: Number(run.materializeMs),
    liveQueryMs: Number(run.liveQueryMs),
    eventsPerSecond: Number(run.eventsPerSecond),
    maxMainThreadBlockMs: Number(run.maxMainThreadBlockMs),
    maxWallBlockMs: Number(run.maxWallBlockMs),
    peakRssMegabytes: Number(run.peakRssBytes) / 1e6,
    heapUsedMegabytes: Number(run.heapUsedBytes) / 1e6,
  };
}

export const streamDbMaterialize: Scenario = {
  id: "stream-db-materialize",
  title: `createStreamDB: materialize ${config.streamDb.events} state events and answer a live query (durastream's vs official @durable-streams/state/db, both reading durastream's server)`,
  servers: ["durastream"],
  metrics: [
    ...FIGURES.flatMap((f) => [
      { key: `ours.${f.field}`, label: `durastream: ${f.label}`, decimals: f.decimals },
      { key: `official.${f.field}`, label: `official: ${f.label}`, decimals: f.decimals },
    ]),
    { key: "speedRatio", label: "events/s durastream ÷ official", decimals: 2 },
  ],
  timeoutMs: 300_000,
  async run({ startServer }) {
    const server = await startServer();
    const common = { port: server.port, path: PATH, events: config.streamDb.events };
    const clientTimeoutMs = this.timeoutMs / 3;
    await runClientToResult("stream-db-materializer", { ...common, fill: true }, clientTimeoutMs);
    const oursRun = await runClientToResult(
      "stream-db-materializer",
      { ...common, impl: "durastream" },
      clientTimeoutMs,
    );
    const officialRun = await runClientToResult(
      "stream-db-materializer",
      { ...common, impl: "official" },
      clientTimeoutMs,
    );
    const notes: string[] = [];
    if (oursRun.openJobs !== officialRun.openJobs || oursRun.rows !== officialRun.rows) {
      notes.push(
        `answers differ: durastream ${oursRun.rows} rows / ${oursRun.openJobs} open, official ${officialRun.rows} / ${officialRun.openJobs}`,
      );
    }
    const values: Record<string, MetricValue> = {};
    for (const [key, value] of Object.entries(figures(oursRun))) values[`ours.${key}`] = value;
    for (const [key, value] of Object.entries(figures(officialRun)))
      values[`official.${key}`] = value;
    values.speedRatio = Number(oursRun.eventsPerSecond) / Number(officialRun.eventsPerSecond);
    return { values, details: { durastream: oursRun, official: officialRun }, notes };
  },
  targets: (values) => ({
    "ours.maxMainThreadBlockMs": bound(values, "ours.maxMainThreadBlockMs", "≤", 50, " ms"),
  }),
};
