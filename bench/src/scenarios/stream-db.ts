/**
 * Scenario: a State Protocol stream of 100,000 events (BENCH_SCALE scales it)
 * materialized into TanStack DB collections with a live query attached,
 * durastream's `createStreamDB` against the official one, each in its own
 * process, reading the same stream from durastream's server. Reports time to
 * the live query's answer and the longest event-loop stall (CPU time of the
 * process between two ticks of a 5 ms timer; wall time in the details).
 */

import { config } from "../bench-config.js";
import { runClientToResult } from "../client-process.js";
import { bound, type Scenario } from "../scenario.js";

export const streamDbMaterialize: Scenario = {
  id: "stream-db-materialize",
  title: `createStreamDB: materialize ${config.streamDb.events} state events and answer a live query (durastream's vs official @durable-streams/state/db)`,
  servers: ["durastream"],
  metrics: [
    { key: "oursEventsPerSecond", label: "durastream createStreamDB events/s", decimals: 0 },
    { key: "officialEventsPerSecond", label: "official createStreamDB events/s", decimals: 0 },
    { key: "speedRatio", label: "events/s durastream ÷ official", decimals: 2 },
    { key: "oursStallMs", label: "durastream longest stall ms", decimals: 1 },
    { key: "officialStallMs", label: "official longest stall ms", decimals: 1 },
  ],
  timeoutMs: 300_000,
  async run({ startServer }) {
    const server = await startServer();
    const common = {
      port: server.port,
      path: "/v1/stream/bench/stream-db",
      events: config.streamDb.events,
    };
    const oursRun = await runClientToResult(
      "stream-db-materializer",
      { ...common, impl: "durastream", fill: true },
      this.timeoutMs,
    );
    const officialRun = await runClientToResult(
      "stream-db-materializer",
      { ...common, impl: "official", fill: false },
      this.timeoutMs,
    );
    const notes: string[] = [];
    if (oursRun.openJobs !== officialRun.openJobs || oursRun.rows !== officialRun.rows) {
      notes.push(
        `answers differ: durastream ${oursRun.rows} rows / ${oursRun.openJobs} open, official ${officialRun.rows} / ${officialRun.openJobs}`,
      );
    }
    const oursRate = Number(oursRun.eventsPerSecond);
    const officialRate = Number(officialRun.eventsPerSecond);
    return {
      values: {
        oursEventsPerSecond: oursRate,
        officialEventsPerSecond: officialRate,
        speedRatio: oursRate / officialRate,
        oursStallMs: Number(oursRun.maxCpuStallMs),
        officialStallMs: Number(officialRun.maxCpuStallMs),
      },
      details: { durastream: oursRun, official: officialRun },
      notes,
    };
  },
  targets: (values) => ({ oursStallMs: bound(values, "oursStallMs", "≤", 50, " ms") }),
};
