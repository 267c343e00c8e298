/** Builds the Worker bundle (one ES module) with esbuild. */

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
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
    define: { __DURASTREAM_CONSOLE__: JSON.stringify(consoleAssets()) },
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

/** `manifest.json` of the console build (see packages/console/README.md). */
interface ConsoleManifest {
  readonly version: 1;
  readonly index: string;
  readonly files: Record<string, { contentType: string; etag: string; immutable: boolean }>;
}

/**
 * The built web console to embed in the Worker (`src/worker/console-site.ts`),
 * source maps left out; null when `@durastream/console` is not built, and the
 * Worker then answers `/` with 404 as before.
 */
function consoleAssets(): unknown {
  let dir: string;
  try {
    const require = createRequire(import.meta.url);
    dir = join(dirname(require.resolve("@durastream/console/package.json")), "dist", "assets");
  } catch {
    return null;
  }
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) return null;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as ConsoleManifest;
  if (manifest.version !== 1) throw new Error(`unknown console manifest version in ${dir}`);
  const files: Record<string, unknown> = {};
  for (const [name, file] of Object.entries(manifest.files)) {
    if (name.endsWith(".map")) continue;
    files[name] = { ...file, body: readFileSync(join(dir, name), "utf8") };
  }
  return { index: manifest.index, files };
}
