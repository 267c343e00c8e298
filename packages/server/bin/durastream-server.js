#!/usr/bin/env node
// The `durastream-server` bin link points at this committed file rather than
// at dist/, which does not exist yet right after `npm ci` on a fresh clone (npm
// skips bin links whose target is missing). It builds once if needed.
//
// It runs the bundled server (dist/bundle/, see scripts/bundle.mjs), which
// starts faster than the same code as separate modules. In a source checkout
// the bundle can be older than the code when only `tsc -b` ran since the last
// `npm run build`; then the freshly compiled dist/bin.js runs instead, so the
// launcher never runs stale code.
import { existsSync, statSync } from "node:fs";

const entry = new URL("../dist/bin.js", import.meta.url);
const bundle = new URL("../dist/bundle/bin.js", import.meta.url);

/** Whether tsc has compiled the bundled workspace packages since the bundle was made. */
function bundleIsStale() {
  const bundled = statSync(bundle).mtimeMs;
  // Build info exists only in a checkout (published packages leave it out).
  return [
    "../tsconfig.tsbuildinfo",
    "../../server-core/tsconfig.tsbuildinfo",
    "../../protocol/tsconfig.tsbuildinfo",
  ]
    .map((path) => new URL(path, import.meta.url))
    .some((info) => existsSync(info) && statSync(info).mtimeMs > bundled);
}

if (!existsSync(entry)) {
  const cli = new URL("../../cli/bin/ensure-built.js", import.meta.url);
  if (!existsSync(cli)) {
    process.stderr.write("durastream-server: not built yet; run 'npm run build' first\n");
    process.exit(1);
  }
  const { ensureBuilt } = await import(cli.href);
  await ensureBuilt(entry, "durastream-server");
}
if (existsSync(bundle) && !bundleIsStale()) await import(bundle.href);
else await import(entry.href);
