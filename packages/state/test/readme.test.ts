import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startServerOfKind, type TestServer } from "./servers.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const scratch = new URL("./.readme-example.generated.ts", import.meta.url);

let server: TestServer | undefined;
beforeAll(async () => {
  server = await startServerOfKind("official");
});
afterAll(async () => {
  rmSync(scratch, { force: true });
  await server?.close();
});

it("the README example runs", async () => {
  const section = readme.slice(readme.indexOf("## Example"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const baseUrlLine = /^const baseUrl = .*$/m;
  expect(code).toMatch(baseUrlLine);
  writeFileSync(
    scratch,
    code!.replace(baseUrlLine, `const baseUrl = ${JSON.stringify(server!.base)};`),
  );
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ scratch.href);
    const lines = log.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines).toContain("running");
    expect(lines).toContain("1");
    expect(lines).toContain("delete exec-2 undefined");
  } finally {
    log.mockRestore();
  }
});
