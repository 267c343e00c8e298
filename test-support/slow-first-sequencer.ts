/**
 * Runs the slowest test files first. Vitest orders files by the durations it
 * cached on the last run, and without a cache (a fresh clone, as in CI) by
 * file size: a short file that runs for two minutes (the docs test spawns a
 * process per example) would then start last and stretch the whole run by
 * its length. The list is this repository's slowest files, slowest first
 * (measured with `vitest run --reporter=json`); a file not listed keeps
 * Vitest's order after them.
 */

import { BaseSequencer, type TestSpecification } from "vitest/node";

const SLOWEST_FIRST = [
  "packages/cli/test/docs.test.ts",
  "packages/cloudflare/test/conformance.test.ts",
  "packages/server/test/conformance.test.ts",
  "packages/cli/test/serve-and-errors.test.ts",
  "packages/cli/test/commands.test.ts",
  "packages/client/test/client-conformance.test.ts",
  "test/installed-packages.test.ts",
  "packages/cli/test/journey.test.ts",
  "packages/server/test/power-loss/power-loss.test.ts",
  "packages/cloudflare/test/sse-fanout.test.ts",
  "packages/client/test/outage-window.test.ts",
  "packages/client/test/server-restart.test.ts",
  "packages/cli/test/tail.test.ts",
  "packages/server/test/crash.test.ts",
  "packages/console/test/console.test.ts",
  "packages/console/test/console-worker.test.ts",
  "packages/cloudflare/test/yjs-conformance.test.ts",
  "packages/cli/test/state.test.ts",
  "packages/state/test/restart-scale.test.ts",
];

/** Vitest's sequencer with the files of `SLOWEST_FIRST` moved to the front, in that order. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const at = SLOWEST_FIRST.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return at === -1 ? SLOWEST_FIRST.length : at;
    };
    return sorted
      .map((file, index) => ({ file, index, rank: rank(file) }))
      .sort((a, b) => a.rank - b.rank || a.index - b.index)
      .map(({ file }) => file);
  }
}
