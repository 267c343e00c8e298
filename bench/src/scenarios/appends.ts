/** Scenarios 1 and 2: durable appends flooded by wrk, to one stream and to 1,000 streams. */

import { config } from "../bench-config.js";
import { runClientToResult } from "../client-process.js";
import {
  allOf,
  atLeastTimes,
  type MetricDefinition,
  type Scenario,
  type ServerRun,
} from "../scenario.js";
import { SERVER_KINDS } from "../server-kind.js";
import { createStream } from "../stream-setup.js";
import { runWrk, totalErrors, type WrkResult } from "../wrk.js";

const METRICS: readonly MetricDefinition[] = [
  { key: "requestsPerSecond", label: "appends/s", decimals: 0, ratio: true },
  { key: "p50Ms", label: "p50 ms", decimals: 2 },
  { key: "p99Ms", label: "p99 ms", decimals: 2 },
  { key: "errors", label: "errors", decimals: 0 },
];

function wrkRun(result: WrkResult): ServerRun {
  const errors = totalErrors(result);
  const notes: string[] = [];
  if (errors > 0) {
    notes.push(
      `${errors} failed requests: ${JSON.stringify(result.errors)}, by status ${JSON.stringify(result.failedStatuses)}`,
    );
  }
  return {
    values: {
      requestsPerSecond: result.requests / (result.durationUs / 1e6),
      p50Ms: result.latencyUs.p50 / 1000,
      p99Ms: result.latencyUs.p99 / 1000,
      errors,
    },
    details: { wrk: result },
    notes,
  };
}

function wrkOptions(url: string) {
  return {
    url,
    connections: config.appends.connections,
    threads: config.appends.wrkThreads,
    durationSeconds: config.appends.durationSeconds,
    timeoutSeconds: 10,
  };
}

export const appendsOneStream: Scenario = {
  id: "appends-one-stream",
  title: `durable appends, 1 stream, ${config.appends.connections} connections, ${config.messageBytes} B JSON (wrk, ${config.appends.durationSeconds} s)`,
  servers: SERVER_KINDS,
  metrics: METRICS,
  timeoutMs: 60_000,
  async run({ startServer }) {
    const server = await startServer();
    const path = "/v1/stream/bench/one";
    await createStream(server.port, path);
    const result = await runWrk({
      ...wrkOptions(`http://127.0.0.1:${server.port}${path}`),
      script: "append-one-stream.lua",
    });
    return wrkRun(result);
  },
  targets: (values) => ({
    requestsPerSecond: allOf(
      atLeastTimes(values, "requestsPerSecond", "official-file", 40),
      atLeastTimes(values, "requestsPerSecond", "official-memory", 1.2),
    ),
  }),
};

export const appendsManyStreams: Scenario = {
  id: "appends-many-streams",
  title: `durable appends, ${config.appends.manyStreams.toLocaleString("en-US")} streams, ${config.appends.connections} connections (wrk, ${config.appends.durationSeconds} s)`,
  servers: SERVER_KINDS,
  metrics: METRICS,
  timeoutMs: 90_000,
  async run({ startServer }) {
    const server = await startServer();
    const prefix = "/v1/stream/bench/many-";
    const created = await runClientToResult(
      "stream-creator",
      {
        port: server.port,
        pathPrefix: prefix,
        count: config.appends.manyStreams,
        connections: 16,
        contentType: "application/json",
      },
      60_000,
    );
    if (created.created !== config.appends.manyStreams) {
      throw new Error(
        `created only ${String(created.created)} of ${config.appends.manyStreams} streams`,
      );
    }
    const result = await runWrk({
      ...wrkOptions(`http://127.0.0.1:${server.port}/`),
      script: "append-many-streams.lua",
      scriptArgs: [String(config.appends.manyStreams), prefix],
    });
    return wrkRun(result);
  },
  targets: (values) => ({
    requestsPerSecond: atLeastTimes(values, "requestsPerSecond", "official-file", 40),
  }),
};
