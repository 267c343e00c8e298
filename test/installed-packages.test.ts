/**
 * durastream as users install it: every workspace package packed, the
 * tarballs installed together into an empty project outside the repository
 * (see installed/installed-set.ts), and then used only from there — the
 * server through `npx durastream-server` (serving the installed console), the
 * client from a Node program, a CommonJS `require`, a browser bundle in
 * Chromium, every package's `exports` entries by `import` and `require`, the
 * CLI through `npx durastream`, and the Cloudflare Worker bundled from the
 * installed package. The tarballs themselves carry code and docs only and pass
 * publint, attw and `npm publish --dry-run`.
 */

import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { publint } from "publint";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium, startStaticSite } from "../test-support/browser.js";
import {
  closedCleanly,
  type NpxServer,
  startThroughNpx,
  waitUntilGone,
} from "../test-support/npx-server.js";
import {
  type InstalledSet,
  isRealDirectory,
  linksOutside,
  packAndInstall,
  REPO_ROOT,
  userEnv,
  workspaceFolders,
} from "./installed/installed-set.js";

const run = promisify(execFile);

let set: InstalledSet;
let server: NpxServer;
let dataDir: string;

beforeAll(async () => {
  set = await packAndInstall();
  dataDir = join(set.root, "data");
  server = await startThroughNpx(["durastream-server"], {
    cwd: set.project,
    dataDir,
    pty: false,
    env: userEnv(),
  });
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `installed set (${set.packages.length} tarballs):\n` +
      set.packages
        .map(
          (entry) =>
            `  ${basename(entry.tarball)}  ${kib(entry.size)} packed, ` +
            `${kib(entry.unpackedSize)} unpacked, ${entry.files.length} files`,
        )
        .join("\n") +
      `\npacked in ${set.timings.packMs} ms, installed in ${set.timings.installMs} ms, ` +
      `server at ${server.url}`,
  );
}, 300_000);

afterAll(() => {
  server?.kill();
  if (set) rmSync(set.root, { recursive: true, force: true });
});

/** Runs `node <file>` (or another command) in the installed project. */
async function inProject(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(command, args, {
    cwd: set.project,
    env: userEnv({ DURABLE_STREAMS_URL: `${server.url}/v1/stream`, ...env }),
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe("the tarballs", () => {
  test("every workspace package is packed, with LICENSE, README and no tests or build info", () => {
    expect(set.packages.map((entry) => entry.workspace)).toEqual(workspaceFolders());
    const license = readFileSync(join(REPO_ROOT, "LICENSE"), "utf8");
    expect(license).toContain("Apache License");
    for (const entry of set.packages) {
      expect(entry.files, entry.name).toContain("LICENSE");
      expect(entry.files, entry.name).toContain("README.md");
      expect(readFileSync(join(REPO_ROOT, entry.workspace, "LICENSE"), "utf8"), entry.name).toBe(
        license,
      );
      const shipped = entry.files.filter(
        (path) => /(^|\/)test\//.test(path) || /\.test\.|\.tsbuildinfo$/.test(path),
      );
      expect(shipped, entry.name).toEqual([]);
    }
  });

  test("a tarball carries the package's code and docs only, no repository tooling", () => {
    // The build (dist/), its sources (src/, for source maps), launchers
    // (bin/), state's published JSON Schema (spec/) and the package's own
    // files. Dev runners, measuring scripts and the repository's deploy config
    // need devDependencies a user does not have.
    const allowed = /^(package\.json|README\.md|LICENSE|(dist|src|bin|spec)\/.+)$/;
    for (const entry of set.packages) {
      expect(
        entry.files.filter((path) => !allowed.test(path)),
        entry.name,
      ).toEqual([]);
    }
  });

  test("publint finds nothing, attw resolves every entry for ESM (ESM-only, declared)", async () => {
    for (const entry of set.packages) {
      const tarball = readFileSync(entry.tarball);
      const { messages } = await publint({
        pack: {
          tarball: tarball.buffer.slice(
            tarball.byteOffset,
            tarball.byteOffset + tarball.byteLength,
          ),
        },
        strict: true,
      });
      expect(messages, entry.name).toEqual([]);
    }
    // The CLI, as docs/releasing.md runs it; esm-only: require() of an ESM
    // package works from Node 20.19 on (engines), so no CommonJS build.
    const attw = await Promise.all(
      set.packages.map((entry) =>
        run("npx", ["attw", entry.tarball, "--profile", "esm-only", "--format", "ascii"], {
          cwd: REPO_ROOT,
        }).then(
          () => "",
          (error: { stdout?: string }) => `${entry.name}:\n${error.stdout}`,
        ),
      ),
    );
    expect(attw.filter(Boolean)).toEqual([]);
  }, 180_000);

  test("`npm publish --dry-run` of every package is clean", async () => {
    const { stdout, stderr } = await run(
      "npm",
      [
        "publish",
        "--dry-run",
        ...workspaceFolders().flatMap((workspace) => ["--workspace", workspace]),
      ],
      { cwd: REPO_ROOT, env: userEnv(), maxBuffer: 16 * 1024 * 1024 },
    );
    // Not being logged in is the only warning a dry run may give (nothing is sent).
    const warnings = stderr
      .split("\n")
      .filter(
        (line) => /npm (warn|error)/i.test(line) && !/requires you to be logged in/.test(line),
      );
    expect(warnings).toEqual([]);
    for (const entry of set.packages)
      expect(stdout + stderr).toContain(`${entry.name}@${entry.version}`);
  }, 120_000);

  test("internal dependencies are ranges that the set's own versions satisfy", () => {
    const versions = new Map(set.packages.map((entry) => [entry.name, entry.version]));
    for (const entry of set.packages) {
      const manifest = JSON.parse(
        readFileSync(join(REPO_ROOT, entry.workspace, "package.json"), "utf8"),
      ) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      for (const [name, range] of Object.entries({
        ...manifest.dependencies,
        ...manifest.peerDependencies,
      })) {
        if (!name.startsWith("@durastream/")) continue;
        expect(versions.has(name), `${entry.name} depends on unpublished ${name}`).toBe(true);
        expect(range, `${entry.name} -> ${name}`).toBe(`^${versions.get(name)}`);
      }
    }
  });
});

describe("installed into an empty project", () => {
  test("nothing links back to the repository", () => {
    expect(linksOutside(join(set.project, "node_modules"), set.project)).toEqual([]);
    for (const entry of set.packages) {
      expect(isRealDirectory(join(set.project, "node_modules", entry.name)), entry.name).toBe(true);
    }
  });

  test("a Node program creates, appends, reads and follows a stream with the installed client", async () => {
    writeFileSync(
      join(set.project, "program.mjs"),
      `import { DurableStream, stream } from "@durastream/client";
const url = \`\${process.env.DURABLE_STREAMS_URL}/installed/node\`;
const handle = await DurableStream.create({ url, contentType: "application/json" });
await handle.append({ n: 1 });
await handle.append({ n: 2 });
const caught = await (await handle.stream({ offset: "-1", live: false })).json();
const followed = [];
const res = await stream({ url, offset: "-1", live: "sse" });
let caughtUp;
const upToDate = new Promise((resolve) => (caughtUp = resolve));
const closed = new Promise((resolve) => {
  res.subscribeJson((batch) => {
    followed.push(...batch.items);
    if (batch.upToDate) caughtUp();
    if (batch.streamClosed) resolve();
  });
});
await upToDate;
await handle.append({ n: 3 });
await handle.close();
await closed;
console.log(JSON.stringify({ caught, followed }));
`,
    );
    const { stdout } = await inProject(process.execPath, ["program.mjs"]);
    expect(JSON.parse(stdout)).toEqual({
      caught: [{ n: 1 }, { n: 2 }],
      followed: [{ n: 1 }, { n: 2 }, { n: 3 }],
    });
  });

  test("every entry point of every installed package loads in Node, by import and by require", async () => {
    // What each package's `exports` promises, loaded from the installed
    // project: a dependency missing from a package.json, or an entry that
    // needs a devDependency, fails here. The Cloudflare package runs on
    // Workers (it imports cloudflare:workers); its test below bundles it.
    const entries: string[] = [];
    for (const entry of set.packages) {
      if (entry.name === "@durastream/cloudflare") continue;
      const manifest = JSON.parse(
        readFileSync(join(set.project, "node_modules", entry.name, "package.json"), "utf8"),
      ) as { exports: Record<string, unknown> };
      for (const subpath of Object.keys(manifest.exports)) {
        if (subpath === "./package.json" || subpath.includes("*")) continue;
        entries.push(`${entry.name}${subpath.slice(1)}`);
      }
    }
    writeFileSync(
      join(set.project, "entries.mjs"),
      `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const failed = [];
for (const specifier of ${JSON.stringify(entries)}) {
  try {
    const loaded = await import(specifier);
    if (Object.keys(loaded).length === 0) failed.push(\`\${specifier}: import gave no exports\`);
  } catch (error) {
    failed.push(\`import \${specifier}: \${error.message.split("\\n")[0]}\`);
  }
  try {
    require(specifier);
  } catch (error) {
    failed.push(\`require \${specifier}: \${error.message.split("\\n")[0]}\`);
  }
}
console.log(JSON.stringify(failed));
`,
    );
    const { stdout } = await inProject(process.execPath, ["entries.mjs"]);
    expect(JSON.parse(stdout)).toEqual([]);
    // Every package but the Worker one, with each of its subpath entries.
    expect(entries).toEqual(
      expect.arrayContaining([
        "@durastream/state/db",
        "@durastream/yjs/server",
        "@durastream/tanstack-ai/proxy",
        "@durastream/server/shutdown-signals",
      ]),
    );
    expect(
      new Set(entries.map((specifier) => specifier.split("/").slice(0, 2).join("/"))).size,
    ).toBe(set.packages.length - 2);
  });

  test("the installed server serves the installed console's page and script at /", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = html.match(/src="\.?\/?(app-[\w-]+\.js)"/)?.[1];
    expect(script, html.slice(0, 300)).toBeDefined();
    const js = await fetch(`${server.url}/${script}`);
    expect(js.status).toBe(200);
    // The very file the installed @durastream/console ships.
    expect(await js.text()).toBe(
      readFileSync(
        join(set.project, "node_modules", "@durastream", "console", "dist", "assets", script!),
        "utf8",
      ),
    );
  });

  test("CommonJS code can require() the installed client (Node 20.19+)", async () => {
    writeFileSync(
      join(set.project, "program.cjs"),
      `const { DurableStream } = require("@durastream/client");
DurableStream.create({ url: process.env.DURABLE_STREAMS_URL + "/installed/cjs", contentType: "text/plain" })
  .then((handle) => handle.append("from require").then(() => handle.stream({ offset: "-1", live: false })))
  .then((res) => res.text())
  .then((text) => console.log(text));
`,
    );
    const { stdout } = await inProject(process.execPath, ["program.cjs"]);
    expect(stdout.trim()).toBe("from require");
  });

  test("the installed CLI works through npx against the installed server", async () => {
    await inProject("npx", ["durastream", "create", "installed/cli", "--json"]);
    await inProject("npx", ["durastream", "append", "installed/cli", '{"via":"cli"}']);
    const { stdout } = await inProject("npx", ["durastream", "read", "installed/cli"]);
    expect(stdout.trim()).toBe('{"via":"cli"}');
  });

  test("the installed client, bundled for the browser with esbuild, works in Chromium", async () => {
    writeFileSync(
      join(set.project, "browser.mjs"),
      `import { DurableStream, stream } from "@durastream/client";
window.runInstalled = async (base) => {
  const url = base + "/installed/browser";
  const handle = await DurableStream.create({ url, contentType: "application/json" });
  await handle.append({ from: "chromium" });
  const res = await stream({ url, offset: "-1", live: false });
  return res.json();
};
`,
    );
    const bundled = await build({
      entryPoints: [join(set.project, "browser.mjs")],
      absWorkingDir: set.project,
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    // Every module in the bundle came from the installed project.
    const page = `<!doctype html><script type="module">${bundled.outputFiles[0]!.text}</script>`;
    const site = await startStaticSite(page, {});
    const chromium = await launchChromium();
    try {
      const tab = await chromium.browser.newPage();
      await tab.goto(site.url);
      await tab.waitForFunction(() => "runInstalled" in window);
      const items = await tab.evaluate(
        (base) =>
          (window as unknown as { runInstalled(b: string): Promise<unknown> }).runInstalled(base),
        `${server.url}/v1/stream`,
      );
      expect(items).toEqual([{ from: "chromium" }]);
    } finally {
      await chromium.close();
      site.close();
    }
  });

  test("the installed Cloudflare package, bundled as a Worker, serves streams on workerd", async () => {
    writeFileSync(
      join(set.project, "worker.mjs"),
      `export { default, DurableStreamObject, StreamRegistry, SubscriptionCoordinator } from "@durastream/cloudflare";\n`,
    );
    const bundled = await build({
      entryPoints: [join(set.project, "worker.mjs")],
      absWorkingDir: set.project,
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "import"],
      external: ["cloudflare:*"],
      write: false,
      logLevel: "silent",
    });
    // As deployed: a secret (`wrangler secret put STREAMS_SECRET`); without
    // one a Worker refuses anonymous writes.
    const worker = new Miniflare({
      modules: true,
      script: bundled.outputFiles[0]!.text,
      compatibilityDate: "2026-04-20",
      durableObjects: {
        STREAMS: { className: "DurableStreamObject", useSQLite: true },
        REGISTRY: { className: "StreamRegistry", useSQLite: true },
        SUBSCRIPTIONS: { className: "SubscriptionCoordinator", useSQLite: true },
      },
      bindings: { STREAMS_SECRET: "s3cret" },
    });
    try {
      const url = "http://worker.local/v1/stream/installed/cf";
      const headers = { "content-type": "text/plain", authorization: "Bearer s3cret" };
      expect((await worker.dispatchFetch(url, { method: "PUT", headers })).status).toBe(201);
      await worker.dispatchFetch(url, { method: "POST", headers, body: "on workerd" });
      const read = await worker.dispatchFetch(`${url}?offset=-1`, { headers });
      expect(await read.text()).toBe("on workerd");
      expect((await worker.dispatchFetch(url, { method: "POST", body: "anonymous" })).status).toBe(
        401,
      );
    } finally {
      await worker.dispose();
    }
  });

  test("SIGTERM to the installed `npx durastream-server` (pipe) and `npx durastream serve` (terminal) stops them", async () => {
    const pipeDir = join(set.root, "data-pipe");
    const pipe = await startThroughNpx(["durastream-server"], {
      cwd: set.project,
      dataDir: pipeDir,
      pty: false,
      env: userEnv(),
    });
    const ptyDir = join(set.root, "data-pty");
    const pty = await startThroughNpx(["durastream", "serve"], {
      cwd: set.project,
      dataDir: ptyDir,
      pty: true,
      env: userEnv(),
    }).catch((error: unknown) => {
      pipe.kill();
      throw error;
    });
    try {
      pipe.signal("SIGTERM");
      pty.signal("SIGTERM");
      await waitUntilGone(pipe.url);
      await waitUntilGone(pty.url);
      expect(await closedCleanly(pipeDir)).toBe(true);
      expect(await closedCleanly(ptyDir)).toBe(true);
    } finally {
      pipe.kill();
      pty.kill();
    }
  });

  test("the shared server stops on SIGTERM to its npx and closed its database", async () => {
    server.signal("SIGTERM");
    await waitUntilGone(server.url);
    expect(await closedCleanly(dataDir)).toBe(true);
  });
});
