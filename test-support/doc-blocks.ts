/**
 * Fenced code blocks of the repository's Markdown documents, as the docs
 * test runs them. A block runs unless the line before it is
 * `<!-- docs-test: skip (reason) -->`; the reason is required.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Languages the docs test runs. */
export type BlockLanguage = "sh" | "ts" | "js";

/** One fenced block. */
export interface DocBlock {
  /** Path relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly language: BlockLanguage | string;
  readonly code: string;
  /** Why it is not run, or null when it runs. */
  readonly skip: string | null;
}

const LANGUAGES: Record<string, BlockLanguage> = {
  sh: "sh",
  bash: "sh",
  shell: "sh",
  ts: "ts",
  typescript: "ts",
  js: "js",
  javascript: "js",
};

/** The runnable language of an info string, or null (json, http, text…). */
export function runnableLanguage(info: string): BlockLanguage | null {
  return LANGUAGES[info.trim().split(/\s+/)[0] ?? ""] ?? null;
}

/** Every fenced block of `file`. */
export function blocksOf(root: string, file: string): DocBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trim().startsWith(fence); j++) body.push(lines[j]!);
    const marker = /<!--\s*docs-test:\s*skip\s*\((.+)\)\s*-->/.exec(lines[i - 1] ?? "");
    blocks.push({
      file: relative(root, file),
      line: i + 1,
      language: open[3]!.trim().split(/\s+/)[0] ?? "",
      code: body.join("\n"),
      skip: marker ? marker[1]! : null,
    });
    i = j;
  }
  return blocks;
}

/**
 * The documents whose examples must run: README.md, every package README and
 * every `docs/*.md` (found when the test runs, so new pages are covered).
 */
export function documents(root: string): string[] {
  const docs = join(root, "docs");
  const packages = join(root, "packages");
  return [
    join(root, "README.md"),
    ...readdirSync(packages)
      .sort()
      .map((name) => join(packages, name, "README.md"))
      .filter((file) => {
        try {
          readFileSync(file);
          return true;
        } catch {
          return false;
        }
      }),
    ...readdirSync(docs)
      .filter((name) => name.endsWith(".md"))
      .sort()
      .map((name) => join(docs, name)),
  ];
}
