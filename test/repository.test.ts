/**
 * What a newcomer to the repository finds: the documentation index reaches
 * every page, the CLI reference lists every command, the install page covers
 * every package, scratch directories the docs suggest are ignored by git, the
 * README's example behaves the same on every run, and `npm ci` finds a
 * decision for every install script.
 */

import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { COMMANDS } from "@durastream/cli";
import { startServer } from "@durastream/server";
import { describe, expect, test } from "vitest";
import { REPO_ROOT, workspaceFolders } from "./installed/installed-set.js";

const run = promisify(execFile);

describe("documentation index", () => {
  test("docs/README.md links every page in docs/", () => {
    const index = readFileSync(join(REPO_ROOT, "docs", "README.md"), "utf8");
    const pages = readdirSync(join(REPO_ROOT, "docs")).filter(
      (name) => name.endsWith(".md") && name !== "README.md",
    );
    const missing = pages.filter((page) => !index.includes(`](${page})`));
    expect(missing).toEqual([]);
  });

  test("docs/cli.md's command table lists every command", () => {
    const reference = readFileSync(join(REPO_ROOT, "docs", "cli.md"), "utf8");
    const listed = [...reference.matchAll(/^\| `([a-z-]+)[ `]/gm)].map((match) => match[1]);
    const missing = COMMANDS.map((command) => command.name).filter(
      (name) => !listed.includes(name),
    );
    expect(missing).toEqual([]);
  });

  test("docs/install.md names every package a user can install", () => {
    const install = readFileSync(join(REPO_ROOT, "docs", "install.md"), "utf8");
    const missing = workspaceFolders()
      .map(
        (folder) =>
          (
            JSON.parse(readFileSync(join(REPO_ROOT, folder, "package.json"), "utf8")) as {
              name: string;
            }
          ).name,
      )
      // The name as a whole word: @durastream/server is not @durastream/server-core.
      .filter((name) => !new RegExp(`${name}(?![\\w-])`).test(install));
    expect(missing).toEqual([]);
  });

  test("the README is for users: the lockfile tooling note is on the contributor page", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme.includes("complete-lockfile"), "README.md speaks of complete-lockfile").toBe(
      false,
    );
    const contributing = readFileSync(join(REPO_ROOT, "docs", "contributing.md"), "utf8");
    expect(contributing).toContain("node scripts/complete-lockfile.mjs");
  });
});

test("every dependency with an install script has an allowScripts decision", () => {
  // npm ci warns about each one that has none ("not yet covered by allowScripts").
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    allowScripts: Record<string, boolean>;
  };
  const withScripts = new Set(
    Object.entries(lock.packages)
      .filter(([path, entry]) => entry.hasInstallScript && path.includes("node_modules/"))
      .map(([path]) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length)),
  );
  expect(withScripts.size).toBeGreaterThan(0);
  expect([...withScripts].filter((name) => !(name in manifest.allowScripts))).toEqual([]);
  // sharp comes with miniflare for an Images binding durastream does not use.
  expect(manifest.allowScripts.sharp).toBe(false);
});

test("git ignores the directories the docs suggest for local data", () => {
  for (const path of ["data/durastream.db", "data-cf/do/state.sqlite"]) {
    // check-ignore exits 0 when the path is ignored.
    expect(() =>
      execFileSync("git", ["check-ignore", "-q", "--no-index", path], { cwd: REPO_ROOT }),
    ).not.toThrow();
  }
});

test("examples/quickstart.mjs prints the one message it wrote, on every run", async () => {
  const server = await startServer({ port: 0, host: "127.0.0.1", memory: true });
  try {
    const env = { ...process.env, DURABLE_STREAMS_URL: `${server.url}/v1/stream` };
    const example = join(REPO_ROOT, "examples", "quickstart.mjs");
    for (let runs = 0; runs < 2; runs++) {
      const { stdout } = await run(process.execPath, [example], { cwd: REPO_ROOT, env });
      expect(stdout.trim()).toBe("[ { role: 'user', text: 'hi' } ]");
    }
  } finally {
    await server.close();
  }
});
