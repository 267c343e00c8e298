/** `durastream serve` as a child process, URL/secret resolution, and error exits. */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COMMANDS } from "../src/index.js";
import { runCli, spawnCli, startTestServer, tempDir } from "./helpers.js";

/** Preload that records the child's fetches and redirects one origin (see the file). */
const REDIRECT_FETCH = fileURLToPath(new URL("./fixtures/redirect-fetch.mjs", import.meta.url));

describe("durastream serve", () => {
  test("serves SQLite-backed streams: round trip through the CLI, clean exit on SIGTERM", async () => {
    const { dir, cleanup } = tempDir();
    const server = spawnCli(["serve", "--port", "0", "--data-dir", dir, "--log-level", "info"]);
    try {
      await server.waitFor((out) => /"url":"http:\/\/[^"]+"/.test(out));
      const url = /"url":"(http:\/\/[^"]+)"/.exec(server.stdout())![1]!;
      const env = { DURABLE_STREAMS_URL: `${url}/v1/stream` };
      const payload = Buffer.from("héllo\u0000wörld\n\xff", "latin1");
      expect((await runCli(["create", "served"], { env })).code).toBe(0);
      expect((await runCli(["append", "served"], { env, input: payload })).code).toBe(0);
      const read = await runCli(["read", "served"], { env });
      expect(read.code).toBe(0);
      expect(read.stdout.equals(payload)).toBe(true);

      server.process.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(server.stdout()).toContain('"msg":"shutting down"');
      expect(server.stdout()).toContain('"msg":"durastream stopped"');
    } finally {
      server.process.kill("SIGKILL");
      cleanup();
    }
  });

  test("a hang-up during a graceful shutdown does not cut it short; a second Ctrl-C or SIGTERM does", async () => {
    // The terminal of `npx durastream serve` hangs up once npx has gone: that
    // SIGHUP follows the first signal, it is not a user asking for "now".
    const { dir, cleanup } = tempDir();
    const serve = (dataDir: string) =>
      spawnCli(["serve", "--port", "0", "--data-dir", dataDir, "--drain-delay-ms", "1000"]);
    const graceful = serve(join(dir, "graceful"));
    const hurried = serve(join(dir, "hurried"));
    try {
      for (const server of [graceful, hurried]) {
        await server.waitFor((out) => out.includes('"msg":"durastream listening"'));
        server.process.kill("SIGTERM");
        await server.waitFor((out) => out.includes('"msg":"shutting down"'));
      }
      graceful.process.kill("SIGHUP");
      hurried.process.kill("SIGTERM");
      expect(await graceful.exited).toBe(0);
      expect(graceful.stdout()).toContain('"msg":"durastream stopped"');
      expect(existsSync(join(dir, "graceful", "durastream.db-wal"))).toBe(false);
      expect(await hurried.exited).toBe(130);
      expect(hurried.stdout()).not.toContain('"msg":"durastream stopped"');
    } finally {
      graceful.process.kill("SIGKILL");
      hurried.process.kill("SIGKILL");
      cleanup();
    }
  });

  test("data survives a restart on the same --data-dir", async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const round of [1, 2]) {
        const server = spawnCli(["serve", "--port", "0", "--data-dir", dir]);
        await server.waitFor((out) => out.includes('"url":"'));
        const url = /"url":"(http:\/\/[^"]+)"/.exec(server.stdout())![1]!;
        const env = { DURABLE_STREAMS_URL: `${url}/v1/stream` };
        if (round === 1) {
          await runCli(["create", "kept", "--content-type", "text/plain"], { env });
          await runCli(["append", "kept", "persisted"], { env });
        } else {
          expect((await runCli(["read", "kept"], { env })).out).toBe("persisted");
        }
        server.process.kill("SIGINT");
        expect(await server.exited).toBe(0);
      }
    } finally {
      cleanup();
    }
  });

  test("bad serve flags exit 2 with the server's message; --help shows its options", async () => {
    const bad = await runCli(["serve", "--port", "99999"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("port out of range: 99999");
    const unknown = await runCli(["serve", "--nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--nope'");
    const help = await runCli(["serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: durastream serve \[options\]/);
    expect(help.out).toContain("--data-dir <dir>");
  });

  test("a port already in use is a one-line error, exit 1", async () => {
    const { server, stop } = await startTestServer();
    try {
      const result = await runCli(["serve", "--port", String(server.port), "--memory"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `durastream serve: cannot listen on 127.0.0.1:${server.port}: address in use — pick another port with --port (or PORT), or stop the other server\n`,
      );
    } finally {
      await stop();
    }
  });
});

describe("server URL and secret", () => {
  let root: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ root, stop } = await startTestServer({ secret: "s3cret" }));
  });
  afterAll(() => stop());

  test("--url wins over DURABLE_STREAMS_URL; STREAMS_SECRET is sent as a bearer token", async () => {
    const env = { DURABLE_STREAMS_URL: "http://127.0.0.1:9/v1/stream", STREAMS_SECRET: "s3cret" };
    const created = await runCli(["create", "private", "--url", root], { env });
    expect(created).toMatchObject({ code: 0, out: `${root}/private\n` });
    const alt = { DURABLE_STREAMS_URL: root, DURABLE_STREAMS_SECRET: "s3cret" };
    expect((await runCli(["append", "private", "x"], { env: alt })).code).toBe(0);
    expect((await runCli(["read", "private"], { env: alt })).out).toBe("x");
  });

  test("--token wins over STREAMS_SECRET; global options may come before the command", async () => {
    const env = { DURABLE_STREAMS_URL: root, STREAMS_SECRET: "wrong" };
    const created = await runCli(["create", "tokened", "--token", "s3cret"], { env });
    expect(created).toMatchObject({ code: 0, out: `${root}/tokened\n` });
    const before = await runCli(["--url", root, "--token", "s3cret", "head", "tokened"]);
    expect(before.code).toBe(0);
    expect(before.out).toContain(`url: ${root}/tokened`);
    const listed = await runCli(["--token=s3cret", "ls", "--url", root]);
    expect(listed.out.split("\n")).toContain("tokened");
  });

  test("a missing or wrong secret is reported as unauthorized, exit 1", async () => {
    const anonymous = await runCli(["head", "private"], { env: { DURABLE_STREAMS_URL: root } });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toBe(
      "durastream head: unauthorized: the server requires a bearer secret — pass --token or set STREAMS_SECRET\n",
    );
    const wrong = await runCli(["read", "private"], {
      env: { DURABLE_STREAMS_URL: root, STREAMS_SECRET: "nope" },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("unauthorized: the server rejected the bearer secret");
  });

  test("without --url or DURABLE_STREAMS_URL it talks to localhost:4437", async () => {
    // Nothing may listen on 4437 here: the child's fetch records the URLs it
    // is asked for and sends localhost:4437 to a port that refuses.
    const { server, stop: stopDead } = await startTestServer({ memory: true });
    const deadOrigin = server.url;
    await stopDead();
    const { dir, cleanup } = tempDir();
    try {
      const log = join(dir, "fetches");
      const result = await runCli(["head", "x"], {
        env: {
          NODE_OPTIONS: `--import ${REDIRECT_FETCH}`,
          FETCH_LOG: log,
          REDIRECT_FROM: "http://localhost:4437",
          REDIRECT_TO: deadOrigin,
        },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        "durastream head: cannot reach server at http://localhost:4437/v1/stream: ECONNREFUSED — start one with 'durastream serve', or point --url / DURABLE_STREAMS_URL at yours\n",
      );
      const fetched = new Set(readFileSync(log, "utf8").trim().split("\n"));
      expect([...fetched]).toEqual(["http://localhost:4437/v1/stream/x"]);
    } finally {
      cleanup();
    }
  });

  test("an unreachable server is a one-line error, exit 1", async () => {
    const { server, stop: stopDead } = await startTestServer({ memory: true });
    const deadRoot = `${server.url}/v1/stream`;
    await stopDead();
    const result = await runCli(["read", "x", "--url", deadRoot]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `durastream read: cannot reach server at ${deadRoot}: ECONNREFUSED — start one with 'durastream serve', or point --url / DURABLE_STREAMS_URL at yours\n`,
    );
  });
});

describe("usage errors", () => {
  let env: Record<string, string>;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const started = await startTestServer({ memory: true });
    env = { DURABLE_STREAMS_URL: started.root };
    stop = started.stop;
  });
  afterAll(() => stop());

  test("reading an unknown stream exits 3 with nothing on stdout", async () => {
    const result = await runCli(["read", "no/such/stream"], { env });
    expect(result).toMatchObject({ code: 3, out: "" });
    expect(result.stderr).toBe(
      "durastream read: stream not found: no/such/stream — create it with 'durastream create no/such/stream', or list streams with 'durastream ls'\n",
    );
  });

  test("unknown flags, missing and extra arguments exit 2 and point to --help", async () => {
    const unknown = await runCli(["read", "s", "--bogus"], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "durastream read: unknown option '--bogus' — see 'durastream read --help'\n",
    );
    const missing = await runCli(["head"], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing <path>");
    const extra = await runCli(["delete", "a", "b"], { env });
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("unexpected argument: b");
    const ttl = await runCli(["create", "t", "--ttl", "soon"], { env });
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain('--ttl must be a non-negative integer, got "soon"');
    const url = await runCli(["head", "t", "--url", "ftp://x"], { env });
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("invalid server URL");
  });

  test("an existing stream with another configuration is a conflict, exit 4", async () => {
    expect((await runCli(["create", "typed", "--json"], { env })).code).toBe(0);
    expect((await runCli(["create", "typed", "--json"], { env })).code).toBe(0);
    const conflict = await runCli(["create", "typed", "--content-type", "text/plain"], { env });
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toBe(
      "durastream create: stream already exists with a different configuration: typed — compare with 'durastream head typed', or pick another path\n",
    );
  });

  test("unknown commands exit 2; no command prints the command list on stderr", async () => {
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const none = await runCli([]);
    expect(none.code).toBe(2);
    for (const command of COMMANDS) expect(none.stderr).toContain(`  ${command.name} `);
  });

  test.each(COMMANDS.map((c) => c.name))(
    "durastream %s --help exits 0 with its usage",
    async (name) => {
      const result = await runCli([name, "--help"]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(new RegExp(`^Usage: durastream ${name} `));
      const viaHelp = await runCli(["help", name]);
      expect(viaHelp.out).toBe(result.out);
    },
  );
});
