/** Builds the Worker bundle (one ES module) with esbuild. */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The package folder (`packages/cloudflare`), from `dev/` or `dist-dev/`. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where `npm run build:worker` writes the bundle `wrangler.jsonc` deploys. */
export const BUNDLE_PATH = join(PACKAGE_DIR, "dist-worker", "worker.js");

/** What to bundle. */
export interface BundleOptions {
  /** Entry module. Default: the Worker, `src/index.ts`. */
  readonly entry?: string;
  /** Also write the bundle here. */
  readonly outfile?: string;
  /** Module aliases (tests bundle vitest suites with a shim for `vitest`). */
  readonly alias?: Record<string, string>;
}

/**
 * Bundles the Worker (or another entry) and the engine it imports for
 * workerd: one ES module, `cloudflare:*` left to the runtime, no Node
 * built-ins. Returns the code.
 */
export async function bundleWorker(options: BundleOptions = {}): Promise<string> {
  const outfile = options.outfile;
  const result = await build({
    entryPoints: [options.entry ?? join(PACKAGE_DIR, "src", "index.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "import"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    sourcemap: false,
    minify: false,
    legalComments: "none",
    alias: options.alias ?? {},
    write: false,
    outfile: outfile ?? join(PACKAGE_DIR, "dist-worker", "worker.js"),
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("esbuild produced no output");
  if (outfile) {
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(dirname(outfile), { recursive: true });
    await writeFile(outfile, file.contents);
  }
  return file.text;
}
