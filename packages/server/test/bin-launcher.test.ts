/**
 * The `durastream-server` launcher runs the start-up bundle (dist/bundle/),
 * except in a checkout where `tsc -b` compiled newer code than the bundle holds:
 * then it runs the freshly compiled dist/bin.js, never stale code.
 */

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { testCleanups } from "./helpers.js";

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "durastream-server.js");
const cleanups = testCleanups();

/**
 * A package tree shaped like packages/server and its siblings, whose two
 * entries only say which of them ran; `builds` maps build-info files (relative
 * to packages/) to their age in seconds, the bundle being 100 s old.
 */
function fakeCheckout(builds: Record<string, number>): string {
  const packages = cleanups.tempDir();
  const server = join(packages, "server");
  mkdirSync(join(server, "bin"), { recursive: true });
  mkdirSync(join(server, "dist", "bundle"), { recursive: true });
  copyFileSync(LAUNCHER, join(server, "bin", "durastream-server.js"));
  writeFileSync(join(server, "package.json"), '{"type":"module"}');
  writeFileSync(join(server, "dist", "bin.js"), 'process.stdout.write("compiled");');
  const bundle = join(server, "dist", "bundle", "bin.js");
  writeFileSync(bundle, 'process.stdout.write("bundle");');
  const now = Date.now() / 1000;
  utimesSync(bundle, now - 100, now - 100);
  for (const [path, age] of Object.entries(builds)) {
    mkdirSync(dirname(join(packages, path)), { recursive: true });
    writeFileSync(join(packages, path), "{}");
    utimesSync(join(packages, path), now - age, now - age);
  }
  return join(server, "bin", "durastream-server.js");
}

function run(launcher: string): string {
  const result = spawnSync(process.execPath, [launcher], { encoding: "utf8" });
  expect(result.status).toBe(0);
  return result.stdout;
}

test("an installed package (no build info) runs the bundle", () => {
  expect(run(fakeCheckout({}))).toBe("bundle");
});

test("a checkout whose bundle is newer than every compile runs the bundle", () => {
  const launcher = fakeCheckout({
    "server/tsconfig.tsbuildinfo": 200,
    "server-core/tsconfig.tsbuildinfo": 300,
    "protocol/tsconfig.tsbuildinfo": 400,
  });
  expect(run(launcher)).toBe("bundle");
});

test("a checkout where tsc compiled the server, the engine or the protocol after the bundle runs dist/bin.js", () => {
  for (const newer of ["server", "server-core", "protocol"]) {
    const builds: Record<string, number> = {
      "server/tsconfig.tsbuildinfo": 200,
      "server-core/tsconfig.tsbuildinfo": 200,
      "protocol/tsconfig.tsbuildinfo": 200,
    };
    builds[`${newer}/tsconfig.tsbuildinfo`] = 10;
    expect(run(fakeCheckout(builds))).toBe("compiled");
  }
});
