/** What a benchmark scenario is, and what it reports. */

import type { ServerKind } from "./server-kind.js";
import type { ServerProcess, ServerProcessOptions } from "./server-process.js";

/** One figure a scenario reports for each server (one table row). */
export interface MetricDefinition {
  readonly key: string;
  readonly label: string;
  readonly decimals: number;
  /** Show durastream ÷ official for this metric. */
  readonly ratio?: boolean;
}

/** A metric's value on one server: a number, or why there is none. */
export type MetricValue = number | { readonly text: string };

export interface ServerRun {
  readonly values: Record<string, MetricValue>;
  /** Everything worth keeping in latest.json beyond the table. */
  readonly details: Record<string, unknown>;
  /** Caveats shown under the table (server fell over, sizes reduced, …). */
  readonly notes: string[];
}

export interface ScenarioContext {
  readonly kind: ServerKind;
  /** Starts a server of this scenario's kind; it is disposed after the scenario. */
  startServer(options?: Omit<ServerProcessOptions, "kind">): Promise<ServerProcess>;
}

export interface TargetVerdict {
  readonly text: string;
  /** undefined when it cannot be judged (e.g. a peer failed). */
  readonly met: boolean | undefined;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly servers: readonly ServerKind[];
  readonly metrics: readonly MetricDefinition[];
  /** Budget for one server's run; past it the run is recorded as failed. */
  readonly timeoutMs: number;
  run(context: ScenarioContext): Promise<ServerRun>;
  /** Target checks, keyed by metric key, judged on all servers' values. */
  targets(
    values: Partial<Record<ServerKind, Record<string, MetricValue>>>,
  ): Record<string, TargetVerdict>;
}

export function numeric(value: MetricValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function ratio(
  values: Partial<Record<ServerKind, Record<string, MetricValue>>>,
  key: string,
  peer: ServerKind,
): number | undefined {
  const ours = numeric(values.durastream?.[key]);
  const theirs = numeric(values[peer]?.[key]);
  if (ours === undefined || theirs === undefined || theirs === 0) return undefined;
  return ours / theirs;
}

/** Verdict "≥ N× <peer>" on a metric. */
export function atLeastTimes(
  values: Partial<Record<ServerKind, Record<string, MetricValue>>>,
  key: string,
  peer: ServerKind,
  times: number,
): TargetVerdict {
  const r = ratio(values, key, peer);
  const peerName = peer === "official-file" ? "file" : "mem";
  return { text: `≥${times}× ${peerName}`, met: r === undefined ? undefined : r >= times };
}

/** Verdict on durastream's own value. */
export function bound(
  values: Partial<Record<ServerKind, Record<string, MetricValue>>>,
  key: string,
  comparison: "≥" | "≤",
  limit: number,
  unitText = "",
): TargetVerdict {
  const ours = numeric(values.durastream?.[key]);
  const text = `${comparison} ${limit.toLocaleString("en-US")}${unitText}`;
  if (ours === undefined) return { text, met: undefined };
  return { text, met: comparison === "≥" ? ours >= limit : ours <= limit };
}

/** Combines verdicts on one row: met only if all are met. */
export function allOf(...verdicts: TargetVerdict[]): TargetVerdict {
  const text = verdicts.map((v) => v.text).join(", ");
  if (verdicts.some((v) => v.met === false)) return { text, met: false };
  if (verdicts.some((v) => v.met === undefined)) return { text, met: undefined };
  return { text, met: true };
}
