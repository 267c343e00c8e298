/**
 * The packages as users get them: every workspace package (read from the root
 * package.json `workspaces`, so new packages are included without editing
 * this file) packed with `npm pack` from its built `dist/`, and the tarballs
 * installed together into an empty project outside the repository, with
 * nothing linked back to it. Packed once and installed once per test file.
 */

import { execFile } from "node:child_process";
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** One packed workspace package. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** Workspace folder, relative to the repository root. */
  readonly workspace: string;
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Paths inside the tarball (relative to `package/`). */
  readonly files: readonly string[];
  /** Bytes of the tarball, and of its files unpacked (as `npm pack` reports them). */
  readonly size: number;
  readonly unpackedSize: number;
}

/** The packed set installed into a project of its own. */
export interface InstalledSet {
  /** Temporary root: tarballs and the project live below it. */
  readonly root: string;
  /** The project the tarballs were installed into. */
  readonly project: string;
  readonly packages: readonly PackedPackage[];
  /** How long packing and installing took (ms), for the test output. */
  readonly timings: { readonly packMs: number; readonly installMs: number };
}

/**
 * The environment without what `npm test` adds (npm_config_*, npm_package_*):
 * the installs must behave as a user's would, not inherit the workspace's npm run.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Workspace folders listed in the root package.json. */
export function workspaceFolders(): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    workspaces: string[];
  };
  return manifest.workspaces;
}

/** Packs every workspace package into `<root>/packs`, then installs them into `<root>/project`. */
export async function packAndInstall(): Promise<InstalledSet> {
  const root = mkdtempSync(join(tmpdir(), "durastream-installed-"));
  const packs = join(root, "packs");
  const started = Date.now();
  const workspaces = workspaceFolders();
  mkdirSync(packs);
  // One npm run packs them all; --json lists each tarball's files.
  const { stdout } = await run(
    "npm",
    [
      "pack",
      "--json",
      "--pack-destination",
      packs,
      ...workspaces.flatMap((workspace) => ["--workspace", workspace]),
    ],
    { cwd: REPO_ROOT, env: userEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  const listed = JSON.parse(stdout) as Array<{
    name: string;
    version: string;
    filename: string;
    files: Array<{ path: string }>;
    size: number;
    unpackedSize: number;
  }>;
  const packages = listed.map((entry, index) => ({
    name: entry.name,
    version: entry.version,
    workspace: workspaces[index]!,
    tarball: join(packs, entry.filename),
    files: entry.files.map((file) => file.path),
    size: entry.size,
    unpackedSize: entry.unpackedSize,
  }));
  const packMs = Date.now() - started;

  const project = join(root, "project");
  mkdirSync(project);
  // As docs/install.md tells users, except for one thing by default:
  // better-sqlite3's native module takes minutes to compile from source on a
  // busy 2-core machine (its prebuilt download is unreachable here), so the
  // project pins the workspace's version of it, skips its install script and
  // gets a copy (not a link) of the workspace's compiled module. Every
  // durastream file still comes from the tarballs.
  // DURASTREAM_INSTALL_BUILD_NATIVE=1 builds it as a user's install does.
  const buildNative = process.env.DURASTREAM_INSTALL_BUILD_NATIVE === "1";
  const sqliteVersion = (
    JSON.parse(
      readFileSync(join(REPO_ROOT, "node_modules", "better-sqlite3", "package.json"), "utf8"),
    ) as { version: string }
  ).version;
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify(
      {
        name: "installed-app",
        private: true,
        type: "module",
        allowScripts: { "better-sqlite3": buildNative },
        ...(buildNative ? {} : { overrides: { "better-sqlite3": sqliteVersion } }),
      },
      null,
      2,
    )}\n`,
  );
  const installStarted = Date.now();
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--install-links",
      ...packages.map((entry) => entry.tarball),
      ...optionalPeers(workspaces),
    ],
    {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
      // node-gyp may use both cores for better-sqlite3.
      env: userEnv({ JOBS: "max" }),
    },
  );
  if (!buildNative) {
    const release = join("node_modules", "better-sqlite3", "build", "Release");
    mkdirSync(join(project, release), { recursive: true });
    copyFileSync(
      join(REPO_ROOT, release, "better_sqlite3.node"),
      join(project, release, "better_sqlite3.node"),
    );
  }
  return {
    root,
    project,
    packages,
    timings: { packMs, installMs: Date.now() - installStarted },
  };
}

/**
 * The optional peer dependencies of the packed packages (`@tanstack/db` for
 * `@durastream/state/db`, the TanStack AI packages), at the versions the
 * workspace tests with: npm installs required peers by itself, these only
 * when the user asks, as docs/install.md tells them to for those entries.
 */
function optionalPeers(workspaces: readonly string[]): string[] {
  const peers = new Set<string>();
  for (const workspace of workspaces) {
    const manifest = JSON.parse(
      readFileSync(join(REPO_ROOT, workspace, "package.json"), "utf8"),
    ) as { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    for (const [name, meta] of Object.entries(manifest.peerDependenciesMeta ?? {})) {
      if (meta.optional) peers.add(name);
    }
  }
  return [...peers].sort().map((name) => {
    const installed = JSON.parse(
      readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8"),
    ) as { version: string };
    return `${name}@${installed.version}`;
  });
}

/**
 * Symbolic links under `dir` whose target lies outside `inside` (npm links a
 * local dependency instead of copying it unless told otherwise).
 */
export function linksOutside(dir: string, inside: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) {
        const target = realpathSync(path);
        if (relative(inside, target).startsWith("..")) found.push(`${path} -> ${target}`);
      } else if (entry.isDirectory()) {
        walk(path);
      }
    }
  };
  walk(dir);
  return found;
}

/** True when `path` is a real directory (not a link). */
export function isRealDirectory(path: string): boolean {
  const stat = lstatSync(path);
  return stat.isDirectory() && !stat.isSymbolicLink();
}
