/** The console README's serving example runs against the built console. */

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { buildConsole } from "./console-harness.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const scratch = new URL("./.readme-example.generated.ts", import.meta.url);
const serverSource = fileURLToPath(new URL("../../server/src/index.js", import.meta.url));

beforeAll(() => buildConsole(), 120_000);
afterAll(() => rmSync(scratch, { force: true }));

it("the README's startServer example serves the console where it says", async () => {
  const section = readme.slice(readme.indexOf("## Serving it"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toContain('from "@durastream/server"');
  writeFileSync(scratch, code!.replace('"@durastream/server"', JSON.stringify(serverSource)));
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ scratch.href);
    const lines = log.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
  } finally {
    log.mockRestore();
  }
});
