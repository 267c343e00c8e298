/**
 * CLI behaviours docs/cli.md promises: global options work with every command
 * (before or after it), a rejected offset is a usage error (exit 2), `ls`
 * retries an unreachable server like the other commands, and a live follow
 * on a terminal says when it lost the server and when it is back.
 */

import { createServer } from "node:net";
import { startServer } from "@durastream/server";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { runInPty } from "../../../test-support/pty.js";
import { BIN, runCli, startTestServer, tempDir } from "./helpers.js";

let root: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ root, stop } = await startTestServer());
});
afterAll(() => stop());

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("global options", () => {
  test("--token before or after `token` is the signing secret", async () => {
    for (const args of [
      ["--token", "s3cret", "token", "--path", "chat/**", "--ops", "read"],
      ["token", "--path", "chat/**", "--ops", "read", "--token", "s3cret"],
    ]) {
      const result = await runCli(args, { env: { STREAMS_SECRET: undefined } });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.out.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    }
  });
});

test("read --offset banana is a usage error: exit 2, one line", async () => {
  const env = { DURABLE_STREAMS_URL: root };
  await runCli(["create", "opts/offset"], { env });
  const result = await runCli(["read", "opts/offset", "--offset", "banana"], { env });
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(/invalid offset/);
});

test("ls retries an unreachable server (as head does) and lists once it is up", async () => {
  const port = await freePort();
  const env = { DURABLE_STREAMS_URL: `http://127.0.0.1:${port}/v1/stream` };
  const listing = runCli(["ls"], { env });
  // The server comes up a second later, within the 3 s retry budget.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const { dir, cleanup } = tempDir();
  const server = await startServer({ port, host: "127.0.0.1", dataDir: dir });
  onTestFinished(async () => {
    await server.close();
    cleanup();
  });
  const result = await listing;
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
});

// The tail starts from the beginning (`--offset -1`): with the default
// ("now") an append that lands before the tail's first request is never
// shown, which made this test depend on how fast the pty process started.
test("tail on a terminal says it is reconnecting while the server is down, and when it is back", async () => {
  const port = await freePort();
  const { dir, cleanup } = tempDir();
  onTestFinished(cleanup);
  let server = await startServer({ port, host: "127.0.0.1", dataDir: dir });
  const env = { DURABLE_STREAMS_URL: `http://127.0.0.1:${port}/v1/stream` };
  await runCli(["create", "opts/live"], { env });
  const pty = runInPty([process.execPath, BIN, "tail", "opts/live", "--offset", "-1"], { env });
  onTestFinished(async () => {
    pty.kill("SIGKILL");
    await server.close();
  });
  await runCli(["append", "opts/live", "first\n"], { env });
  await pty.waitFor(/first/);
  await server.close();
  await pty.waitFor(/reconnecting/);
  server = await startServer({ port, host: "127.0.0.1", dataDir: dir });
  await runCli(["append", "opts/live", "second\n"], { env });
  await pty.waitFor(/second/);
  expect(pty.output()).toMatch(/reconnected/);
}, 60_000);

test("fork --help says a sub-offset counts inside the append at --offset", async () => {
  const result = await runCli(["fork", "--help"]);
  expect(result.out.replace(/\s+/g, " ")).toContain(
    "of the one append that starts at --offset; it never reaches past the next offset a reader sees",
  );
});
