/**
 * Every fenced sh / ts / js block of README.md, the package READMEs,
 * docs/*.md and examples/README.md runs against a real server, in document
 * order (later blocks may use what earlier ones created), as a reader would
 * run them from a clone: `http://localhost:4437` is the test's server, `npx
 * durastream…` and `npx durastream-server` are the repository's binaries (as
 * npx finds them in a clone), and nothing else is on the PATH — a bare
 * `durastream` is "command not found", as it is for a reader. JavaScript
 * blocks run with node (Node 20); TypeScript blocks run with `npx tsx`, and
 * only on a page that tells the reader so. A block that cannot run here says
 * why: `<!-- docs-test: skip (reason) -->` above it.
 */

import { spawn } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningServer, startServer } from "@durastream/server";
import { describe, expect, test } from "vitest";
import {
  blocksOf,
  type DocBlock,
  documents,
  runnableLanguage,
} from "../../../test-support/doc-blocks.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const CLI = join(ROOT, "packages", "cli", "bin", "durastream.js");
const SERVER = join(ROOT, "packages", "server", "bin", "durastream-server.js");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
/** How a page tells its reader to run its TypeScript examples. */
const TSX_INSTRUCTION = /`npx tsx [^`]*\.m?ts`/;
/** Transpiled blocks live under the repository so their imports resolve like the examples'. */
const SCRATCH = join(ROOT, "node_modules", ".docs-test");
const BLOCK_TIMEOUT_MS = 60_000;

const DOCUMENTS = [...documents(ROOT), join(ROOT, "examples", "README.md")];

/**
 * `npx` as it behaves in a clone: the repository's binaries, nothing from the
 * registry. No bare `durastream` on the PATH: a clone has none.
 */
function writeShims(dir: string): void {
  const node = process.execPath;
  const shims: Record<string, string> = {
    npx: `#!/bin/sh
case "$1" in
  durastream) shift; exec "${node}" "${CLI}" "$@";;
  durastream-server) shift; exec "${node}" "${SERVER}" "$@";;
  tsx) shift; exec "${node}" "${TSX}" "$@";;
  *) echo "docs test: 'npx $1' is not available (only durastream, durastream-server, tsx)" >&2; exit 127;;
esac
`,
  };
  for (const [name, text] of Object.entries(shims)) {
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
}

function run(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string }> {
  const child = spawn(argv[0]!, argv.slice(1), { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (text: string) => {
    output += text;
  });
  child.stderr.on("data", (text: string) => {
    output += text;
  });
  const timer = setTimeout(() => {
    output += `\n[docs test: killed after ${BLOCK_TIMEOUT_MS} ms]`;
    child.kill("SIGKILL");
  }, BLOCK_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** The block as run here: the default server URL replaced by the test server's. */
function localize(code: string, server: RunningServer): string {
  const origin = server.url.replace(/^http:\/\//, "");
  return code.replace(/\b(localhost|127\.0\.0\.1):4437\b/g, origin);
}

async function runBlock(
  block: DocBlock,
  server: RunningServer,
  work: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const language = runnableLanguage(block.language)!;
  const code = localize(block.code, server);
  const name = `${block.file.replaceAll("/", "_")}-${block.line}`;
  if (language === "sh") {
    const file = join(work, `${name}.sh`);
    writeFileSync(file, code);
    return run(["bash", "-eo", "pipefail", file], { cwd: work, env });
  }
  mkdirSync(SCRATCH, { recursive: true });
  // As the page says: `node example.mjs`, or `npx tsx example.ts`.
  const file = join(SCRATCH, `${name}-${process.pid}.${language === "ts" ? "mts" : "mjs"}`);
  writeFileSync(file, code);
  try {
    return await run(language === "ts" ? ["npx", "tsx", file] : [process.execPath, file], {
      cwd: work,
      env,
    });
  } finally {
    rmSync(file, { force: true });
  }
}

describe.each(DOCUMENTS.map((file) => [file.slice(ROOT.length + 1), file]))("%s", (_name, file) => {
  const blocks = blocksOf(ROOT, file).filter((b) => runnableLanguage(b.language) !== null);

  test("a page with TypeScript examples tells the reader how to run them", () => {
    // Skipped blocks too: a reader runs those by hand.
    const typescript = blocksOf(ROOT, file).filter((b) => runnableLanguage(b.language) === "ts");
    if (typescript.length === 0) return;
    const text = readFileSync(file, "utf8");
    const firstLine = text.split("\n").findIndex((line) => TSX_INSTRUCTION.test(line));
    expect(
      firstLine,
      `${_name} has TypeScript examples but never says \`npx tsx file.ts\``,
    ).toBeGreaterThan(-1);
    expect(
      firstLine + 1,
      `${_name}: say how to run TypeScript before the first example`,
    ).toBeLessThan(typescript[0]!.line);
  });

  test("every sh / ts / js example runs", async () => {
    const work = mkdtempSync(join(tmpdir(), "durastream-docs-"));
    const bin = join(work, ".bin");
    mkdirSync(bin);
    writeShims(bin);
    symlinkSync(join(ROOT, "examples"), join(work, "examples"));
    const server = await startServer({
      port: 0,
      host: "127.0.0.1",
      dataDir: join(work, ".server"),
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // `npm test` puts node_modules/.bin (with a `durastream`) on the PATH; a reader's shell has none.
      PATH: [
        bin,
        ...(process.env.PATH ?? "").split(":").filter((dir) => !dir.includes("node_modules")),
      ].join(":"),
      DURABLE_STREAMS_URL: `${server.url}/v1/stream`,
      NO_COLOR: "1",
    };
    for (const name of [
      "STREAMS_SECRET",
      "DURABLE_STREAMS_SECRET",
      "PORT",
      "STREAMS_PORT",
      "DATA_DIR",
    ]) {
      delete env[name];
    }
    const report: string[] = [];
    try {
      for (const block of blocks) {
        if (block.skip !== null) {
          report.push(`  skipped ${block.file}:${block.line} (${block.skip})`);
          continue;
        }
        const result = await runBlock(block, server, work, env);
        expect(
          result.code,
          `${block.file}:${block.line} (${block.language}) exited ${result.code}:\n${result.output}`,
        ).toBe(0);
        report.push(`  ran     ${block.file}:${block.line} (${block.language})`);
      }
    } finally {
      await server.close();
      rmSync(work, { recursive: true, force: true });
    }
    console.log(`${blocks.length} blocks:\n${report.join("\n")}`);
  }, 600_000);
});
