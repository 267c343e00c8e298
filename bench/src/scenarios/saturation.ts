/**
 * Appends at saturation: durastream (durable) beside the official in-memory
 * server, to one stream and to 1,000 streams, at 64, 256 and 1,024
 * connections (one short `wrk -t1` run per point). Each server's CPU time is
 * read from /proc/<pid>/stat around every point, so the table gives appends
 * per server CPU-second as well as appends/s: with the fdatasync probe of the
 * header it says whether a run was bound by the disk or by the CPU.
 */

import { config } from "../bench-config.js";
import { runClientToResult } from "../client-process.js";
import { readCpuSeconds } from "../proc-status.js";
import {
  atLeastTimes,
  type MetricDefinition,
  type MetricValue,
  type Scenario,
  type TargetVerdict,
} from "../scenario.js";
import type { ServerProcess } from "../server-process.js";
import { createStream } from "../stream-setup.js";
import { runWrk, totalErrors } from "../wrk.js";

const { connections, durationSeconds, manyStreams, target } = config.saturation;

interface Point {
  readonly key: string;
  readonly streams: 1 | typeof manyStreams;
  readonly connections: number;
}

const POINTS: readonly Point[] = ([1, manyStreams] as const).flatMap((streams) =>
  connections.map((c) => ({
    key: `${streams === 1 ? "one" : "many"}C${c}`,
    streams,
    connections: c,
  })),
);

function pointLabel(point: Point): string {
  const streams =
    point.streams === 1 ? "1 stream" : `${point.streams.toLocaleString("en-US")} streams`;
  return `${streams}, c=${point.connections}`;
}

const METRICS: readonly MetricDefinition[] = POINTS.flatMap((point) => [
  { key: `${point.key}Rate`, label: `${pointLabel(point)}: appends/s`, decimals: 0, ratio: true },
  {
    key: `${point.key}PerCpu`,
    label: `${pointLabel(point)}: appends per server CPU-s`,
    decimals: 0,
    ratio: true,
  },
  { key: `${point.key}Cpu`, label: `${pointLabel(point)}: server CPU %`, decimals: 0 },
]);

const ONE_PATH = "/v1/stream/bench/saturation-one";
const MANY_PREFIX = "/v1/stream/bench/saturation-";

async function setUp(server: ServerProcess): Promise<void> {
  await createStream(server.port, ONE_PATH);
  const created = await runClientToResult(
    "stream-creator",
    {
      port: server.port,
      pathPrefix: MANY_PREFIX,
      count: manyStreams,
      connections: 16,
      contentType: "application/json",
    },
    60_000,
  );
  if (created.created !== manyStreams) {
    throw new Error(`created only ${String(created.created)} of ${manyStreams} streams`);
  }
}

export const saturation: Scenario = {
  id: "saturation",
  title: `appends at saturation: 1 and ${manyStreams.toLocaleString("en-US")} streams at ${connections.join("/")} connections (wrk -t1, ${durationSeconds} s a point), server CPU from /proc`,
  servers: ["durastream", "official-memory"],
  metrics: METRICS,
  timeoutMs: 120_000,
  async run({ startServer }) {
    const server = await startServer();
    await setUp(server);
    const values: Record<string, MetricValue> = {};
    const details: Record<string, unknown> = {};
    const notes: string[] = [];
    for (const point of POINTS) {
      const cpuBefore = readCpuSeconds(server.pid);
      const result = await runWrk({
        url:
          point.streams === 1
            ? `http://127.0.0.1:${server.port}${ONE_PATH}`
            : `http://127.0.0.1:${server.port}/`,
        script: point.streams === 1 ? "append-one-stream.lua" : "append-many-streams.lua",
        scriptArgs: point.streams === 1 ? [] : [String(manyStreams), MANY_PREFIX],
        connections: point.connections,
        threads: 1,
        durationSeconds,
        timeoutSeconds: 10,
      });
      const serverCpu = readCpuSeconds(server.pid) - cpuBefore;
      const seconds = result.durationUs / 1e6;
      const errors = totalErrors(result);
      // Failed requests are not appends.
      const appends = result.requests - errors;
      values[`${point.key}Rate`] = appends / seconds;
      values[`${point.key}PerCpu`] = serverCpu > 0 ? appends / serverCpu : Number.NaN;
      values[`${point.key}Cpu`] = (serverCpu / seconds) * 100;
      const wrkCpuPercent = (result.cpuSeconds / seconds) * 100;
      details[point.key] = { wrk: result, serverCpuSeconds: serverCpu, wrkCpuPercent };
      if (errors > 0) notes.push(`${pointLabel(point)}: ${errors} failed requests`);
      if (wrkCpuPercent > 90) {
        notes.push(
          `${pointLabel(point)}: wrk used ${wrkCpuPercent.toFixed(0)}% of a core (it may be the bottleneck)`,
        );
      }
    }
    return { values, details, notes };
  },
  targets: (values) => {
    const verdicts: Record<string, TargetVerdict> = {};
    for (const point of POINTS) {
      for (const suffix of ["Rate", "PerCpu"]) {
        verdicts[`${point.key}${suffix}`] = atLeastTimes(
          values,
          `${point.key}${suffix}`,
          "official-memory",
          target,
        );
      }
    }
    return verdicts;
  },
};
