#!/usr/bin/env node
/**
 * Builds the console's static assets into dist/assets/: one hashed JS bundle,
 * one hashed CSS file, index.html pointing at them, and manifest.json listing
 * every file with its content type, size, ETag and cache policy. Any runtime
 * serves the console by serving those files as the manifest says (see README).
 *
 * Run by `npm run build` after `tsc -b` (which type-checks the sources).
 */

import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outDir = join(root, "dist", "assets");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

function contentTypeOf(name) {
  return TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream";
}

function etagOf(bytes) {
  return `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 22)}"`;
}

const result = await build({
  entryPoints: { app: join(root, "src", "app", "main.tsx") },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir: outDir,
  write: false,
  legalComments: "eof",
  logLevel: "warning",
});

/** name → bytes of every file to publish. */
const files = new Map();
for (const output of result.outputFiles) files.set(basename(output.path), output.contents);
const script = [...files.keys()].find((name) => name.endsWith(".js"));
const style = [...files.keys()].find((name) => name.endsWith(".css"));
if (!script || !style) throw new Error("esbuild produced no JS or CSS bundle");

const template = await readFile(join(root, "src", "app", "index.html"), "utf8");
const html = template.replace("%SCRIPT%", `./${script}`).replace("%STYLE%", `./${style}`);
files.set("index.html", new TextEncoder().encode(html));

// Servers may be starting from this directory while it is rebuilt (tests run
// in parallel): every file is replaced atomically, the manifest last, and the
// files of the previous manifest stay until the build after next.
await mkdir(outDir, { recursive: true });
const previous = await readManifest();
const manifest = { version: 1, index: "index.html", files: {} };
for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
  await writeAtomically(name, bytes);
  manifest.files[name] = {
    contentType: contentTypeOf(name),
    bytes: bytes.byteLength,
    etag: etagOf(bytes),
    // Hashed names never change content: cache them for a year. index.html
    // keeps its name across builds, so it is revalidated on every load.
    immutable: name !== "index.html",
  };
}
await writeAtomically("manifest.json", `${JSON.stringify(manifest, null, 2)}\n`);
const keep = new Set(["manifest.json", ...Object.keys(manifest.files), ...Object.keys(previous)]);
for (const name of await readdir(outDir)) {
  if (!keep.has(name) && !name.includes(".tmp-")) await rm(join(outDir, name), { force: true });
}

async function readManifest() {
  try {
    return JSON.parse(await readFile(join(outDir, "manifest.json"), "utf8")).files ?? {};
  } catch {
    return {};
  }
}

async function writeAtomically(name, bytes) {
  const temporary = join(outDir, `${name}.tmp-${process.pid}`);
  await writeFile(temporary, bytes);
  await rename(temporary, join(outDir, name));
}
