/** The printed table and the JSON file of one bench run. */

import {
  type MetricDefinition,
  type MetricValue,
  numeric,
  type Scenario,
  type TargetVerdict,
} from "./scenario.js";
import { SERVER_KINDS, type ServerKind } from "./server-kind.js";

export const PEAK_RSS_METRIC: MetricDefinition = {
  key: "peakRssMegabytes",
  label: "peak RSS MB (VmHWM)",
  decimals: 0,
};

export interface ScenarioReport {
  readonly scenario: Scenario;
  readonly values: Partial<Record<ServerKind, Record<string, MetricValue>>>;
  readonly details: Partial<Record<ServerKind, Record<string, unknown>>>;
  readonly notes: Partial<Record<ServerKind, string[]>>;
  readonly verdicts: Record<string, TargetVerdict>;
}

const COLUMN_TITLES = [
  "metric",
  "durastream",
  "official file",
  "official mem",
  "÷ file",
  "÷ mem",
  "target",
  "",
] as const;

function formatNumber(value: number, decimals: number): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

function formatValue(value: MetricValue | undefined, decimals: number): string {
  if (value === undefined) return "–";
  if (typeof value !== "number") return value.text;
  return Number.isFinite(value) ? formatNumber(value, decimals) : "–";
}

function formatRatio(
  values: ScenarioReport["values"],
  metric: MetricDefinition,
  peer: ServerKind,
): string {
  if (!metric.ratio) return "";
  const ours = numeric(values.durastream?.[metric.key]);
  const theirs = numeric(values[peer]?.[metric.key]);
  if (ours === undefined || theirs === undefined || theirs === 0) return "–";
  const r = ours / theirs;
  return `${r >= 10 ? formatNumber(r, 1) : formatNumber(r, 2)}×`;
}

function verdictMark(verdict: TargetVerdict | undefined): string {
  if (!verdict) return "";
  if (verdict.met === undefined) return "n/a";
  return verdict.met ? "met" : "MISSED";
}

/** Renders the table: one block per scenario, one row per metric. */
export function renderTable(reports: readonly ScenarioReport[]): string {
  const rows: string[][] = [];
  const sectionTitles = new Map<number, string>();
  reports.forEach((report, index) => {
    sectionTitles.set(rows.length, `${index + 1}. ${report.scenario.title}`);
    for (const metric of [...report.scenario.metrics, PEAK_RSS_METRIC]) {
      const verdict = report.verdicts[metric.key];
      rows.push([
        `  ${metric.label}`,
        ...SERVER_KINDS.map((kind) =>
          report.scenario.servers.includes(kind)
            ? formatValue(report.values[kind]?.[metric.key], metric.decimals)
            : "not run",
        ),
        formatRatio(report.values, metric, "official-file"),
        formatRatio(report.values, metric, "official-memory"),
        verdict?.text ?? "",
        verdictMark(verdict),
      ]);
    }
  });
  const widths = COLUMN_TITLES.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 || column >= 6 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join("  ")
      .trimEnd();
  const out = [line(COLUMN_TITLES), widths.map((w) => "-".repeat(w)).join("  ")];
  rows.forEach((row, index) => {
    const title = sectionTitles.get(index);
    if (title) out.push(title);
    out.push(line(row));
  });
  return out.join("\n");
}

/** Notes (failures, reduced sizes, missing deliveries) listed under the table. */
export function renderNotes(reports: readonly ScenarioReport[]): string {
  const lines: string[] = [];
  reports.forEach((report, index) => {
    for (const kind of SERVER_KINDS) {
      for (const note of report.notes[kind] ?? []) lines.push(`  [${index + 1}. ${kind}] ${note}`);
    }
  });
  return lines.length ? `Notes:\n${lines.join("\n")}` : "";
}

export function toJson(reports: readonly ScenarioReport[]): unknown[] {
  return reports.map((report) => ({
    id: report.scenario.id,
    title: report.scenario.title,
    values: report.values,
    targets: report.verdicts,
    notes: report.notes,
    details: report.details,
  }));
}
