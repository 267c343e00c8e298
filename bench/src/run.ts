/**
 * `npm run bench`: runs every scenario against durastream and the official
 * server (file-backed and in-memory), each server in its own process, prints
 * one table and writes bench/results/latest.json.
 */

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { config } from "./bench-config.js";
import { runWithDeadline } from "./deadline.js";
import { describeDiskProbe, probeSyncLatency } from "./disk-probe.js";
import {
  PEAK_RSS_METRIC,
  renderNotes,
  renderTable,
  type ScenarioReport,
  toJson,
} from "./report.js";
import type { MetricValue, Scenario, ServerRun } from "./scenario.js";
import { appendsManyStreams, appendsOneStream } from "./scenarios/appends.js";
import { catchUpRead, catchUpReadCompressed } from "./scenarios/catch-up-read.js";
import { longPollFanOut, sseFanOut } from "./scenarios/fan-out.js";
import { manyStreams } from "./scenarios/many-streams.js";
import { producerIngest } from "./scenarios/producer-ingest.js";
import { saturation } from "./scenarios/saturation.js";
import { streamDbMaterialize } from "./scenarios/stream-db.js";
import { yjsTyping, yjsTypingNoCompaction } from "./scenarios/yjs-typing.js";
import { SERVER_LABELS, type ServerKind } from "./server-kind.js";
import { SERVER_LOG_DIR, ServerProcess } from "./server-process.js";
import { ensureWrk } from "./wrk.js";

const SCENARIOS: readonly Scenario[] = [
  appendsOneStream,
  appendsManyStreams,
  saturation,
  producerIngest,
  catchUpRead,
  catchUpReadCompressed,
  sseFanOut,
  longPollFanOut,
  manyStreams,
  streamDbMaterialize,
  yjsTyping,
  yjsTypingNoCompaction,
];

const RESULTS_DIR = new URL("../results/", import.meta.url).pathname;

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function failedRun(scenario: Scenario, error: unknown): ServerRun {
  const message = (error as Error).message ?? String(error);
  const values: Record<string, MetricValue> = {};
  for (const metric of scenario.metrics) values[metric.key] = { text: "FAILED" };
  return { values, details: { error: message }, notes: [`failed: ${message}`] };
}

async function runOnServer(
  scenario: Scenario,
  kind: ServerKind,
): Promise<ServerRun & { peakRssBytes: number }> {
  const servers: ServerProcess[] = [];
  let run: ServerRun;
  try {
    run = await runWithDeadline(
      scenario.run({
        kind,
        startServer: async (options = {}) => {
          const server = await ServerProcess.start({ kind, profileTag: scenario.id, ...options });
          servers.push(server);
          return server;
        },
      }),
      scenario.timeoutMs,
      `${scenario.id} on ${kind}`,
    );
  } catch (error) {
    // Loud at once, not only in the table at the end.
    log(`    FAILED: ${(error as Error).message ?? String(error)}`);
    run = failedRun(scenario, error);
  }
  const peakRssBytes = servers[0]?.peakRssBytes ?? Number.NaN;
  for (const server of servers.reverse()) await server.dispose();
  return { ...run, peakRssBytes };
}

async function runScenario(scenario: Scenario): Promise<ScenarioReport> {
  const report: ScenarioReport = { scenario, values: {}, details: {}, notes: {}, verdicts: {} };
  for (const kind of scenario.servers.filter(
    (k) => !config.servers || config.servers.includes(k),
  )) {
    log(`  ${scenario.id} on ${SERVER_LABELS[kind]}…`);
    const started = performance.now();
    const run = await runOnServer(scenario, kind);
    report.values[kind] = { ...run.values, [PEAK_RSS_METRIC.key]: run.peakRssBytes / 1e6 };
    report.details[kind] = { ...run.details, peakRssBytes: run.peakRssBytes };
    report.notes[kind] = run.notes;
    const figures = Object.entries(run.values)
      .map(([key, value]) => `${key}=${typeof value === "number" ? value.toFixed(2) : value.text}`)
      .join(" ");
    log(`    ${figures} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  Object.assign(report.verdicts, scenario.targets(report.values));
  return report;
}

async function main(): Promise<void> {
  ensureWrk();
  rmSync(SERVER_LOG_DIR, { recursive: true, force: true });
  const selected = SCENARIOS.filter((s) => !config.only || config.only.includes(s.id));
  const startedAt = new Date();
  log(
    `durastream bench: ${selected.length} scenarios, scale ${config.scale}, ${cpus().length} CPUs`,
  );
  // Before and after the scenarios: the disk may change under other load meanwhile.
  const diskBefore = probeSyncLatency();
  log(describeDiskProbe(diskBefore));
  const reports: ScenarioReport[] = [];
  for (const scenario of selected) {
    log(`${scenario.title}`);
    reports.push(await runScenario(scenario));
  }
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const diskAfter = probeSyncLatency();

  const machine = `${cpus().length}× ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  process.stdout.write(
    [
      "",
      `durastream bench — ${startedAt.toISOString()} — ${machine} — ${seconds.toFixed(0)} s`,
      "Ratios are durastream ÷ official (same run). All servers on 127.0.0.1, each in its own process.",
      `before: ${describeDiskProbe(diskBefore)}`,
      `after:  ${describeDiskProbe(diskAfter)}`,
      "",
      renderTable(reports),
      "",
      renderNotes(reports),
      "",
    ].join("\n"),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    `${RESULTS_DIR}latest.json`,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        seconds,
        machine,
        config,
        disk: { before: diskBefore, after: diskAfter },
        scenarios: toJson(reports),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${RESULTS_DIR}latest.json; server output in ${SERVER_LOG_DIR}`);
}

main().then(
  // Every figure is written: whatever a failed scenario left running must not keep the bench alive.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
