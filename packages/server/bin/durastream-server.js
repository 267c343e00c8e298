#!/usr/bin/env node
// The `durastream-server` bin link points at this committed file rather than
// at dist/, which does not exist yet right after `npm ci` on a fresh clone (npm
// skips bin links whose target is missing). It builds once if needed.
import { existsSync } from "node:fs";

const entry = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(entry)) {
  const cli = new URL("../../cli/bin/ensure-built.js", import.meta.url);
  if (!existsSync(cli)) {
    process.stderr.write("durastream-server: not built yet; run 'npm run build' first\n");
    process.exit(1);
  }
  const { ensureBuilt } = await import(cli.href);
  await ensureBuilt(entry, "durastream-server");
}
await import("../dist/bin.js");
