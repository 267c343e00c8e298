/**
 * Prints the functions of a V8 `.cpuprofile` (from `--cpu-prof`) ranked by
 * self time:  node bench/dist/profile-summary.js <file.cpuprofile> [top=30]
 */

import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split("/").slice(-2).join("/");
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${lineNumber + 1}` : ""}`;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: profile-summary.js <file.cpuprofile> [top]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<string, number>();
let totalMicros = 0;
profile.samples.forEach((nodeId, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  const name = frameName(nodesById.get(nodeId)!);
  selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
  totalMicros += delta;
});
const busyMicros = totalMicros - (selfMicros.get("(idle)") ?? 0);
process.stdout.write(
  `${file}\ntotal ${(totalMicros / 1000).toFixed(0)} ms, busy ${(busyMicros / 1000).toFixed(0)} ms\n`,
);
for (const [name, micros] of [...selfMicros]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(topArg ?? 30))) {
  const percent = ((micros / totalMicros) * 100).toFixed(1);
  process.stdout.write(
    `${(micros / 1000).toFixed(0).padStart(8)} ms ${percent.padStart(5)}%  ${name}\n`,
  );
}
