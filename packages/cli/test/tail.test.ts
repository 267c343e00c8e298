/**
 * `durastream tail`: live delivery over SSE and long-poll, exit on closure,
 * Ctrl-C, reconnects across a server restart, exit 3 on a deleted stream.
 */

import { request } from "node:http";
import { startServer } from "@durastream/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type LiveCli, runCli, spawnCli, startTestServer, tailOffset, tempDir } from "./helpers.js";

let root: string;
let stop: () => Promise<void>;
let env: Record<string, string>;

beforeAll(async () => {
  ({ root, stop } = await startTestServer());
  env = { DURABLE_STREAMS_URL: root };
});
afterAll(() => stop());

const cli = (args: string[], input?: string) => runCli(args, { env, input });

describe.each([
  ["--sse", "sse"],
  ["--long-poll", "long-poll"],
])("tail %s", (flag, name) => {
  test("prints appends as they happen and exits 0 when the stream is closed", async () => {
    const path = `live-text-${name}`;
    await cli(["create", path, "--content-type", "text/plain"]);
    await cli(["append", path, "history;"]);
    // Start exactly at the current tail: history is skipped, nothing later is missed.
    const from = await tailOffset(root, path);
    const tail = spawnCli(["tail", path, flag, "--offset", from], env);

    await cli(["append", path, "one;"]);
    await tail.waitFor((out) => out === "one;");
    await cli(["append", path, "two;"]);
    await tail.waitFor((out) => out === "one;two;");
    expect((await cli(["close", path, "end"])).code).toBe(0);

    expect(await tail.exited).toBe(0);
    expect(tail.stdout()).toBe("one;two;end");
    expect(tail.stderr()).toBe("");
  });

  test("JSON streams are printed one message per line", async () => {
    const path = `live-json-${name}`;
    await cli(["create", path, "--json"]);
    const tail = spawnCli(["tail", path, flag, "--offset", "-1"], env);
    await cli(["append", path, '{"n":1}']);
    await tail.waitFor((out) => out === '{"n":1}\n');
    await cli(["append", path, "--json"], '{"n":2}\n{"n":3}\n');
    await cli(["close", path]);
    expect(await tail.exited).toBe(0);
    expect(tail.stdout()).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });
});

describe("tail", () => {
  test("--offset -1 replays history first; a closed stream ends the tail right away", async () => {
    await cli(["create", "finished", "--content-type", "text/plain"]);
    await cli(["append", "finished", "all of it"]);
    await cli(["close", "finished"]);
    const result = await cli(["tail", "finished", "--offset", "-1"]);
    expect(result).toMatchObject({ code: 0, out: "all of it", stderr: "" });
  });

  test("Ctrl-C (SIGINT) stops it with exit 130 and no error message", async () => {
    await cli(["create", "endless", "--content-type", "text/plain"]);
    // Start at the tail offset (not "now"), so an append racing the connect is not missed.
    const from = await tailOffset(root, "endless");
    const tail = spawnCli(["tail", "endless", "--offset", from], env);
    await cli(["append", "endless", "tick"]);
    await tail.waitFor((out) => out === "tick");
    tail.process.kill("SIGINT");
    expect(await tail.exited).toBe(130);
    expect(tail.stderr()).toBe("");
  });

  test("an unknown stream exits 3 at once instead of waiting", async () => {
    const result = await cli(["tail", "nobody-home"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      "durastream tail: stream not found: nobody-home — create it with 'durastream create nobody-home', or list streams with 'durastream ls'\n",
    );
  });

  test("--sse and --long-poll together are a usage error", async () => {
    const result = await cli(["tail", "x", "--sse", "--long-poll"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--sse and --long-poll are exclusive");
  });
});

/**
 * A stream request made directly over HTTP (the command under test is
 * `tail`; a CLI process per setup step would only slow the suite down), on
 * a fresh connection: a pooled one could still point at a closed server.
 */
function http(
  url: string,
  method: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; offset: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent: false, headers: { "content-type": "text/plain", ...options.headers } },
      (res) => {
        res.resume();
        res.once("end", () => {
          const offset = res.headers["stream-next-offset"];
          resolve({
            status: res.statusCode!,
            offset: typeof offset === "string" ? offset : undefined,
          });
        });
      },
    );
    req.once("error", reject);
    req.end(options.body);
  });
}

describe.each([
  ["--sse", "sse"],
  ["--long-poll", "long-poll"],
])("tail %s over a dropped connection", (flag, name) => {
  test("a server restart on the same port is ridden out: the tail resumes where it left off", async () => {
    const { dir, cleanup } = tempDir();
    let server = await startServer({ port: 0, host: "127.0.0.1", dataDir: dir });
    const port = server.port;
    const streamRoot = `${server.url}/v1/stream`;
    const path = `restart-${name}`;
    const url = `${streamRoot}/${path}`;
    let tail: LiveCli | undefined;
    try {
      const created = await http(url, "PUT");
      expect(created.status).toBe(201);
      tail = spawnCli(["tail", path, flag, "--offset", created.offset!], {
        DURABLE_STREAMS_URL: streamRoot,
      });
      expect((await http(url, "POST", { body: "one;" })).status).toBe(204);
      await tail.waitFor((out) => out === "one;");
      // Closing the server ends the tail's live connection; it reconnects
      // to the restarted server from the offset after "one;".
      await server.close();
      server = await startServer({ port, host: "127.0.0.1", dataDir: dir });
      expect((await http(url, "POST", { body: "two;" })).status).toBe(204);
      await tail.waitFor((out) => out === "one;two;");
      const closing = await http(url, "POST", {
        body: "end",
        headers: { "stream-closed": "true" },
      });
      expect(closing.status).toBe(204);
      expect(await tail.exited).toBe(0);
      expect(tail.stdout()).toBe("one;two;end");
      expect(tail.stderr()).toBe("");
    } finally {
      tail?.process.kill("SIGKILL");
      await server.close();
      cleanup();
    }
  });

  test("a stream deleted while it is tailed ends the tail with exit 3", async () => {
    const path = `deleted-${name}`;
    const url = `${root}/${path}`;
    const created = await http(url, "PUT");
    expect(created.status).toBe(201);
    const tail = spawnCli(["tail", path, flag, "--offset", created.offset!], env);
    try {
      expect((await http(url, "POST", { body: "last words" })).status).toBe(204);
      await tail.waitFor((out) => out === "last words");
      expect((await http(url, "DELETE")).status).toBe(204);
      expect(await tail.exited).toBe(3);
      expect(tail.stdout()).toBe("last words");
      expect(tail.stderr()).toBe(
        `durastream tail: stream not found: ${path} — create it with 'durastream create ${path}', or list streams with 'durastream ls'\n`,
      );
    } finally {
      tail.process.kill("SIGKILL");
    }
  });
});
