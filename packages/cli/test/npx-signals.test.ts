/**
 * The commands the docs give for running a server from a clone, `npx
 * durastream serve` and `npx durastream-server`, stop cleanly however the user
 * stops them: SIGTERM to npx in a pipe (a process manager, `kill`), Ctrl-C on a
 * terminal, the terminal closed. npm does not pass SIGTERM through the shell it
 * runs node under, so before the fix the server went on serving as an orphan.
 * The installed-tarball variant is in test/installed-packages.test.ts.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import {
  closedCleanly,
  type NpxServer,
  startThroughNpx,
  waitUntilGone,
} from "../../../test-support/npx-server.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("a server started through npx from a clone stops cleanly", () => {
  const started: Array<{ server?: NpxServer; dir: string }> = [];
  afterEach(() => {
    for (const entry of started.splice(0)) {
      entry.server?.kill();
      rmSync(entry.dir, { recursive: true, force: true });
    }
  });

  async function start(argv: string[], pty: boolean) {
    const entry: { server?: NpxServer; dir: string } = {
      dir: mkdtempSync(join(tmpdir(), "durastream-npx-")),
    };
    started.push(entry);
    entry.server = await startThroughNpx(argv, { cwd: ROOT, dataDir: entry.dir, pty });
    const put = await fetch(`${entry.server.url}/v1/stream/kept`, { method: "PUT" });
    expect(put.status).toBe(201);
    return { server: entry.server, dir: entry.dir };
  }

  test.each([["durastream-server"], ["durastream", "serve"]])(
    "in a pipe, SIGTERM to `npx %s …` stops the server",
    async (...argv) => {
      const { server, dir } = await start(argv, false);
      server.signal("SIGTERM");
      await waitUntilGone(server.url);
      expect(server.output()).toMatch(/"msg":"shutting down"/);
      expect(await closedCleanly(dir)).toBe(true);
    },
  );

  test("on a terminal, Ctrl-C to `npx durastream serve` stops it", async () => {
    const { server, dir } = await start(["durastream", "serve"], true);
    server.signal("SIGINT");
    await waitUntilGone(server.url);
    expect(await closedCleanly(dir)).toBe(true);
  });

  test("on a terminal, SIGTERM to npx stops `npx durastream-server`", async () => {
    const { server, dir } = await start(["durastream-server"], true);
    server.signal("SIGTERM");
    await waitUntilGone(server.url);
    expect(await closedCleanly(dir)).toBe(true);
  });

  test("closing the terminal (SIGHUP) stops `npx durastream-server` cleanly", async () => {
    const { server, dir } = await start(["durastream-server"], true);
    server.closeTerminal();
    await waitUntilGone(server.url);
    expect(await closedCleanly(dir)).toBe(true);
  });
});
