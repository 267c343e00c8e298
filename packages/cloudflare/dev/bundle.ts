/** Builds the Worker bundle (one ES module) with esbuild. */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The package folder (`packages/cloudflare`), from `dev/` or `dist-dev/`. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where `npm run build:worker` writes the bundle `wrangler.jsonc` deploys. */
export const BUNDLE_PATH = join(PACKAGE_DIR, "dist-worker", "worker.js");

/**
 * Bundles `src/index.ts` and the engine it imports for workerd: ES module,
 * `cloudflare:*` left to the runtime, no Node built-ins. Returns the code;
 * writes it to `outfile` too when given.
 */
export async function bundleWorker(outfile?: string): Promise<string> {
  const result = await build({
    entryPoints: [join(PACKAGE_DIR, "src", "index.ts")],
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
