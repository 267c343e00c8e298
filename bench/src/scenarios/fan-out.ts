/**
 * Scenarios 5 and 6: one writer appending at a fixed rate to one stream while
 * thousands of SSE subscribers / long-poll waiters (a separate raw-socket
 * client process) measure append→delivery latency from the send time each
 * message carries.
 */

import { config } from "../bench-config.js";
import { ClientProcess, runClientToResult } from "../client-process.js";
import { sleep } from "../clients/client-protocol.js";
import type { LatencySummary } from "../latency-histogram.js";
import { openFileLimit } from "../proc-status.js";
import { bound, type MetricDefinition, type Scenario, type ServerRun } from "../scenario.js";
import { SERVER_KINDS } from "../server-kind.js";
import type { ServerProcess } from "../server-process.js";
import { createStream } from "../stream-setup.js";

const METRICS: readonly MetricDefinition[] = [
  { key: "appendsPerSecond", label: "appends/s achieved", decimals: 1, ratio: true },
  { key: "p50Ms", label: "p50 delivery ms", decimals: 1 },
  { key: "p99Ms", label: "p99 delivery ms", decimals: 1 },
  { key: "deliveredPercent", label: "delivered % (in grace)", decimals: 1 },
  { key: "connected", label: "connected", decimals: 0 },
  { key: "bareP99Ms", label: "bare socket.write p99 ms (same clients)", decimals: 1 },
  { key: "p99OverBare", label: "p99 ÷ bare p99", decimals: 2 },
];

/** File descriptors kept free for everything that is not a subscriber socket. */
const SPARE_FDS = 512;

interface FanOutLoad {
  readonly client: "sse-subscribers" | "long-poll-waiters";
  readonly countKey: "subscribers" | "waiters";
  readonly count: number;
  readonly appendsPerSecond: number;
  readonly durationMs: number;
  readonly connectConcurrency: number;
}

async function runFanOut(port: number, load: FanOutLoad): Promise<ServerRun> {
  const notes: string[] = [];
  const count = Math.min(load.count, openFileLimit() - SPARE_FDS);
  if (count < load.count)
    notes.push(`open-file limit allows only ${count} connections (asked ${load.count})`);
  const path = "/v1/stream/bench/fan-out";
  await createStream(port, path);

  const subscribers = ClientProcess.spawn(load.client, {
    port,
    path,
    [load.countKey]: count,
    connectConcurrency: load.connectConcurrency,
    connectTimeoutMs: 30_000,
  });
  try {
    const ready = await subscribers.waitFor("ready", 180_000);
    const connected = Number(ready.connected);
    if (connected === 0) throw new Error("no subscriber could connect");
    if (connected < count) notes.push(`only ${connected} of ${count} connected`);
    await sleep(500);

    const writer = await runClientToResult(
      "paced-writer",
      {
        port,
        path,
        ratePerSecond: load.appendsPerSecond,
        durationMs: load.durationMs,
        messageBytes: config.messageBytes,
        requestTimeoutMs: config.writerRequestTimeoutMs,
      },
      load.durationMs + config.writerRequestTimeoutMs + 30_000,
    );
    if (writer.timedOut)
      notes.push(
        `an append took over ${config.writerRequestTimeoutMs / 1000} s; the writer gave up`,
      );
    await sleep(config.deliveryGraceMs);
    subscribers.send("stop");
    const result = await subscribers.waitFor("result", 60_000);

    const acked = Number(writer.acked);
    const expected = acked * connected;
    const deliveries = Number(result.deliveries);
    const latency = result.latency as LatencySummary;
    const deliveredPercent = expected === 0 ? 0 : (deliveries / expected) * 100;
    if (deliveredPercent < 99.9) {
      notes.push(
        `${(100 - deliveredPercent).toFixed(1)}% of deliveries missing ${config.deliveryGraceMs / 1000} s after the last append (not in the percentiles)`,
      );
    }
    const clientCpuPercent = Number(result.clientCpuPercent);
    if (clientCpuPercent > 80) {
      notes.push(
        `the subscriber client used ${clientCpuPercent.toFixed(0)}% of a core: it may be the bottleneck`,
      );
    }
    if (Number(result.closedEarly) > 0)
      notes.push(`${String(result.closedEarly)} connections closed by the server`);
    if (Number(result.brokenLoops) > 0)
      notes.push(`${String(result.brokenLoops)} long-poll loops broke (errors)`);
    const expectedAppends = Math.floor((load.durationMs / 1000) * load.appendsPerSecond);
    return {
      values: {
        appendsPerSecond: Number(writer.achievedPerSecond),
        p50Ms: latency.count > 0 ? latency.p50Ms : { text: "none delivered" },
        p99Ms: latency.count > 0 ? latency.p99Ms : { text: "none delivered" },
        deliveredPercent,
        connected,
      },
      details: {
        connectMs: ready.connectMs,
        appendsAcked: acked,
        appendsAimedFor: expectedAppends,
        writer,
        subscribers: result,
      },
      notes,
    };
  } finally {
    subscribers.kill();
  }
}

/**
 * The same load against the bare server (one pre-encoded `socket.write` per
 * connection and append), run once per scenario and shared by its servers'
 * columns: the kernel's cost of the fan-out, measured the same way.
 */
const bareRuns = new Map<string, Promise<ServerRun>>();

async function runBare(load: FanOutLoad): Promise<ServerRun> {
  const bare = ClientProcess.spawn("bare-fan-out-server", {});
  try {
    const ready = await bare.waitFor("ready", 10_000);
    return await runFanOut(Number(ready.port), load);
  } finally {
    bare.send("stop");
    bare.kill();
  }
}

/** The server's run, with the bare baseline's p99 and the ratio to it. */
async function runAgainstBare(server: ServerProcess, load: FanOutLoad): Promise<ServerRun> {
  const run = await runFanOut(server.port, load);
  let bare = bareRuns.get(load.client);
  if (!bare) {
    bare = runBare(load);
    bareRuns.set(load.client, bare);
  }
  const baseline = await bare;
  const bareP99 = baseline.values.p99Ms;
  const p99 = run.values.p99Ms;
  const notes = [...run.notes, ...baseline.notes.map((note) => `bare baseline: ${note}`)];
  return {
    values: {
      ...run.values,
      bareP99Ms: bareP99 ?? { text: "none" },
      p99OverBare:
        typeof p99 === "number" && typeof bareP99 === "number" && bareP99 > 0
          ? p99 / bareP99
          : { text: "–" },
    },
    details: { ...run.details, bare: baseline.details },
    notes,
  };
}

const fanOutTargets: Scenario["targets"] = (values) => ({
  appendsPerSecond: bound(values, "appendsPerSecond", "≥", 49.5, "/s (50/s)"),
  p99Ms: bound(values, "p99Ms", "≤", 50, " ms"),
  p99OverBare: bound(values, "p99OverBare", "≤", 2, "× bare"),
});

export const sseFanOut: Scenario = {
  id: "sse-fan-out",
  title: `SSE fan-out: ${config.sse.subscribers.toLocaleString("en-US")} subscribers, one stream, writer aiming at ${config.sse.appendsPerSecond} appends/s for ${config.sse.durationMs / 1000} s`,
  servers: SERVER_KINDS,
  metrics: METRICS,
  timeoutMs: 300_000,
  run: ({ startServer }) =>
    startServer().then((server) =>
      runAgainstBare(server, {
        client: "sse-subscribers",
        countKey: "subscribers",
        count: config.sse.subscribers,
        appendsPerSecond: config.sse.appendsPerSecond,
        durationMs: config.sse.durationMs,
        connectConcurrency: config.sse.connectConcurrency,
      }),
    ),
  targets: (values) => ({
    ...fanOutTargets(values),
    peakRssMegabytes: bound(values, "peakRssMegabytes", "≤", 300, " MB"),
  }),
};

export const longPollFanOut: Scenario = {
  id: "long-poll-fan-out",
  title: `long-poll fan-out: ${config.longPoll.waiters.toLocaleString("en-US")} waiters, one stream, writer aiming at ${config.longPoll.appendsPerSecond} appends/s for ${config.longPoll.durationMs / 1000} s`,
  servers: SERVER_KINDS,
  metrics: METRICS,
  timeoutMs: 300_000,
  run: ({ startServer }) =>
    startServer().then((server) =>
      runAgainstBare(server, {
        client: "long-poll-waiters",
        countKey: "waiters",
        count: config.longPoll.waiters,
        appendsPerSecond: config.longPoll.appendsPerSecond,
        durationMs: config.longPoll.durationMs,
        connectConcurrency: config.longPoll.connectConcurrency,
      }),
    ),
  targets: fanOutTargets,
};
