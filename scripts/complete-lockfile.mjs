#!/usr/bin/env node
/**
 * Restores lockfile entries for platform-specific optional packages that the
 * npm registry reachable from this workplace does not serve (404). `npm
 * install` silently drops them, after which `npm ci` refuses the lockfile as
 * out of sync. Each restored entry carries its os/cpu/libc constraints, so
 * `npm ci` skips it on every machine it does not fit, without fetching it.
 *
 * Run after any `npm install` that rewrites package-lock.json:
 *   node scripts/complete-lockfile.mjs
 */

import { readFileSync, writeFileSync } from "node:fs";

const LOCKFILE = new URL("../package-lock.json", import.meta.url);

/** Platform constraints from a platform package's name suffix. */
function platformOf(name) {
  const suffix = name.split("/").pop();
  const match = /-(android|darwin|linux|win32|freebsd)-(arm64|x64|arm|ia32)(-(musl|gnu))?$/.exec(
    suffix,
  );
  if (!match) return null;
  const constraint = { os: [match[1]], cpu: [match[2]] };
  if (match[4]) constraint.libc = [match[4] === "musl" ? "musl" : "glibc"];
  return constraint;
}

const lock = JSON.parse(readFileSync(LOCKFILE, "utf8"));
const packages = lock.packages;
let restored = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const prefix = path === "" ? "" : `${path}/`;
    const nested = `${prefix}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    packages[hoisted] = { version, dev: entry.dev, optional: true, ...platform };
    if (!entry.dev) delete packages[hoisted].dev;
    restored++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(LOCKFILE, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: restored ${restored} platform-specific optional entries`);
