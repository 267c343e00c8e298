/** The README's retries/timeouts/token-refresh example runs against a real server. */

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { officialServer, type RunningServer, streamUrl } from "./support/servers.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const scratch = new URL("./.readme-retries.generated.ts", import.meta.url);

let server: RunningServer | undefined;
beforeAll(async () => {
  server = await officialServer.start();
});
afterAll(async () => {
  rmSync(scratch, { force: true });
  await server?.close();
});

it("the retries, timeouts and token refresh example runs", async () => {
  const section = readme.slice(readme.indexOf("## Retries, timeouts and token refresh"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const urlLine = /^const url = .*$/m;
  expect(code).toMatch(urlLine);
  writeFileSync(
    scratch,
    code!.replace(urlLine, `const url = ${JSON.stringify(streamUrl(server!, "readme"))};`),
  );
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ scratch.href);
    const lines = log.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines).toEqual(["stored 3"]);
  } finally {
    log.mockRestore();
  }
});
