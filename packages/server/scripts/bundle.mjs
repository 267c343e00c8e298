#!/usr/bin/env node
/**
 * Bundles the compiled server (dist/bin.js and dist/index.js, with
 * @durastream/server-core, @durastream/protocol and pino) into dist/bundle/.
 *
 * Why: a server process spends most of its start-up loading code, not opening
 * the database. Unbundled, Node resolves, reads and links the ~170 modules of
 * the server, the engine and the protocol, and pino's, one by one; bundled they
 * are one file, and a restart reaches its first served request with ~40% less
 * CPU time (docs/performance.md, "Restart to first
 * request"). The bundle is the same compiled code: `tsc -b` type-checks and
 * emits dist/, this script only concatenates it.
 *
 * What stays outside the bundle, and why:
 * - better-sqlite3: a native addon, loaded from its own package.
 * - yjs, lib0, @durastream/yjs, jose, prom-client: loaded on first use (the
 *   server answers its first request without them; test/startup-modules.test.ts
 *   watches those loads by package name, which a bundle would hide).
 *
 * Used by `npm start`, the `durastream-server` bin and the benchmarks. Library
 * users (`import { startServer } from "@durastream/server"`) get the unbundled
 * dist/index.js, so they share one copy of server-core with their own imports.
 *
 * Run by `npm run build` after `tsc -b`.
 */

import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outDir = join(root, "dist", "bundle");

/** Packages loaded from node_modules at run time rather than bundled (see above). */
const EXTERNAL = ["better-sqlite3", "yjs", "lib0", "@durastream/yjs", "jose", "prom-client"];

// Bundled CommonJS dependencies (pino and its helpers) call `require` for Node's
// built-in modules; an ES module has none unless it makes one.
const PROVIDE_REQUIRE =
  'import { createRequire as __durastreamCreateRequire } from "node:module"; const require = __durastreamCreateRequire(import.meta.url);';

await rm(outDir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "dist", "bin.js"), join(root, "dist", "index.js")],
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  banner: { js: PROVIDE_REQUIRE },
  // Maps point into dist/ and src/; run with --enable-source-maps to use them.
  sourcemap: true,
  // The published package ships src/; the maps point there instead of repeating it.
  sourcesContent: false,
  logLevel: "warning",
});
