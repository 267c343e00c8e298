// Shared by the committed launchers: builds the TypeScript workspace once when
// a launcher runs from a checkout whose dist/ is missing, or explains how to.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Makes sure `entry` (a dist/ file URL) exists, building the repository when possible. */
export async function ensureBuilt(entry, program) {
  if (existsSync(entry)) return;
  const packageDir = dirname(dirname(fileURLToPath(entry)));
  const root = join(packageDir, "..", "..");
  const explain = (why) => {
    process.stderr.write(
      `${program}: not built yet (${why}); run 'npm run build' in ${root} and try again\n`,
    );
    process.exit(1);
  };
  if (!existsSync(join(root, "tsconfig.json"))) explain("no dist/ and no source checkout");
  let tsc;
  try {
    tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    explain("TypeScript is not installed: run 'npm ci' first");
  }
  process.stderr.write(`${program}: first run, building the workspace (tsc -b)…\n`);
  const result = spawnSync(process.execPath, [tsc, "-b", root], { stdio: "inherit" });
  if (result.status !== 0 || !existsSync(entry)) explain("the build failed");
  // The web console's static assets (bundled by esbuild, not tsc).
  const consoleAssets = join(root, "packages", "console", "scripts", "build-assets.mjs");
  if (existsSync(consoleAssets)) {
    const assets = spawnSync(process.execPath, [consoleAssets], { stdio: "inherit" });
    if (assets.status !== 0) explain("the console build failed");
  }
  // The server's start-up bundle (esbuild, after tsc): what `durastream-server` runs.
  const serverBundle = join(root, "packages", "server", "scripts", "bundle.mjs");
  if (existsSync(serverBundle)) {
    const bundled = spawnSync(process.execPath, [serverBundle], { stdio: "inherit" });
    if (bundled.status !== 0) explain("the server bundle failed");
  }
}
