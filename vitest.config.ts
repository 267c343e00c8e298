import { defineConfig } from "vitest/config";
import { SlowFirstSequencer } from "./test-support/slow-first-sequencer.js";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most suites spend their time waiting on servers, sockets, restarts and
    // disk syncs rather than on the CPU. Vitest's default on a 2-core machine
    // is one worker, which runs every file in series; three keep both cores
    // busy while the slow suites wait.
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
