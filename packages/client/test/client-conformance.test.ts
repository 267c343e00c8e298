/**
 * The official client conformance suite (vendored unmodified under
 * test-support/vendor/client-conformance-tests, see its PROVENANCE.md), run
 * with its own TypeScript adapter importing `@durastream/client` (the built
 * package, so `npm run build` first — `npm test` does).
 *
 * The suite's runner always starts the official reference server
 * (`@durable-streams/server`'s DurableStreamTestServer): its fault cases
 * drive that server's `/_test/inject-error` endpoint, and the runner takes
 * no URL, so durastream's own server is not a target here (the server
 * conformance suite covers it).
 */

import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runConformanceTests } from "../../../test-support/vendor/client-conformance-tests/src/runner.js";

const adapter = fileURLToPath(
  new URL(
    "../../../test-support/vendor/client-conformance-tests/src/adapters/typescript-adapter.ts",
    import.meta.url,
  ),
);

describe("official client conformance suite", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("passes every case against the reference server", { timeout: 180_000 }, async () => {
    // The runner prints a line per case; keep them for the failure message only.
    const printed: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    });
    const summary = await runConformanceTests({
      // The adapter is TypeScript: run it through tsx's loader in a plain Node process.
      clientAdapter: process.execPath,
      clientArgs: ["--import", "tsx", adapter],
      testTimeout: 20_000,
    });
    vi.restoreAllMocks();
    const failed = summary.results
      .filter((r) => !r.passed)
      .map((r) => `${r.suite}/${r.test}: ${r.error}`);
    console.log(
      `client conformance: ${summary.passed} passed, ${summary.failed} failed, ` +
        `${summary.skipped} skipped in ${(summary.duration / 1000).toFixed(1)} s`,
    );
    expect(failed, printed.slice(-40).join("\n")).toEqual([]);
    expect(summary.passed).toBe(259);
  });
});
