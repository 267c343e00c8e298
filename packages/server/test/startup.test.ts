/**
 * What a newcomer sees when starting the server: the banner on a terminal,
 * JSON logs in a pipe, every flag with an environment twin as the README's
 * table says, and `npm start` honouring DATA_DIR and passing signals on.
 */

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runInPty } from "../../../test-support/pty.js";
import { configurationTable, parseConfig, SERVER_SETTINGS } from "../src/index.js";
import { testCleanups } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const LAUNCHER = join(ROOT, "packages", "server", "bin", "durastream-server.js");

/** A value to try for each setting, and the option it must produce. */
const SAMPLES: Record<string, { text: string; check: (config: Record<string, unknown>) => void }> =
  {
    port: { text: "8123", check: (c) => expect(c.port).toBe(8123) },
    host: { text: "0.0.0.0", check: (c) => expect(c.host).toBe("0.0.0.0") },
    "data-dir": { text: "/srv/streams", check: (c) => expect(c.dataDir).toBe("/srv/streams") },
    memory: { text: "true", check: (c) => expect(c.memory).toBe(true) },
    "base-path": { text: "/streams", check: (c) => expect(c.basePath).toBe("/streams") },
    "max-body-bytes": { text: "1024", check: (c) => expect(c.maxBodyBytes).toBe(1024) },
    "long-poll-timeout-ms": { text: "500", check: (c) => expect(c.longPollTimeoutMs).toBe(500) },
    "log-level": { text: "warn", check: (c) => expect(c.logLevel).toBe("warn") },
    "log-format": { text: "json", check: (c) => expect(c.logFormat).toBe("json") },
    STREAMS_SECRET: { text: "s3cret", check: (c) => expect(c.secret).toBe("s3cret") },
  };

function flatten(config: ReturnType<typeof parseConfig>): Record<string, unknown> {
  if (!("options" in config)) throw new Error("expected a run configuration");
  return { ...config.options, logLevel: config.logLevel, logFormat: config.logFormat };
}

describe("configuration", () => {
  test("the README's table is the code's table", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(configurationTable());
  });

  test("every flag has an environment twin that does the same; the flag wins", () => {
    for (const setting of SERVER_SETTINGS) {
      const key = setting.flag ?? setting.env[0]!;
      const sample = SAMPLES[key];
      expect(sample, `a sample for ${key}`).toBeDefined();
      expect(setting.env.length, `${key} has an environment variable`).toBeGreaterThan(0);
      for (const name of setting.env)
        sample!.check(flatten(parseConfig([], { [name]: sample!.text })));
      if (setting.flag === null) continue;
      const argv =
        setting.kind === "boolean" ? [`--${setting.flag}`] : [`--${setting.flag}`, sample!.text];
      sample!.check(flatten(parseConfig(argv, {})));
      if (setting.kind === "string") {
        sample!.check(flatten(parseConfig(argv, { [setting.env[0]!]: "from-env" })));
      }
    }
  });

  test("bad values name the setting", () => {
    expect(() => parseConfig([], { PORT: "eighty" })).toThrow(
      /PORT must be a non-negative integer/,
    );
    expect(() => parseConfig(["--log-format", "xml"], {})).toThrow(/--log-format must be one of/);
    expect(() => parseConfig([], { STREAMS_MEMORY: "maybe" })).toThrow(/STREAMS_MEMORY/);
  });
});

describe("start-up", () => {
  const cleanups = testCleanups();

  test("on a terminal: a banner with version, URL, data dir, auth and how to stop", async () => {
    const dir = cleanups.tempDir();
    const pty = runInPty([process.execPath, LAUNCHER, "--port", "0"], {
      env: { DATA_DIR: dir, STREAMS_SECRET: "" },
    });
    cleanups.defer(async () => {
      pty.kill();
      await pty.exited;
    });
    await pty.waitFor(/Stop .*\n/);
    const text = pty.output();
    expect(text).toMatch(/durastream \d+\.\d+\.\d+ is ready/);
    expect(text).toMatch(/URL +http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/Stream root +http:\/\/127\.0\.0\.1:\d+\/v1\/stream\//);
    expect(text).toContain(`${dir} (SQLite)`);
    expect(text).toMatch(/Auth +off/);
    expect(text).toMatch(/Stop +Ctrl-C/);
    expect(text).not.toContain('{"level"');
    pty.kill("SIGINT");
    expect(await pty.exited).toBe(0);
  });

  test("in a pipe: JSON log lines only; --memory and auth as configured", async () => {
    const child = spawn(process.execPath, [LAUNCHER, "--port", "0", "--memory"], {
      env: { ...process.env, STREAMS_SECRET: "s3cret" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    cleanups.defer(() => {
      child.kill("SIGKILL");
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("\n")) resolve();
      }),
    );
    const line = JSON.parse(out.split("\n")[0]!) as { msg: string; url: string; memory: boolean };
    expect(line.msg).toBe("durastream listening");
    expect(line.memory).toBe(true);
    expect((await fetch(`${line.url}/v1/stream/x`, { method: "PUT" })).status).toBe(401);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    for (const text of out.trim().split("\n")) expect(() => JSON.parse(text)).not.toThrow();
  });

  test("`npm start` honours DATA_DIR and PORT, and SIGTERM to npm stops the server", async () => {
    const dir = cleanups.tempDir();
    const npm = spawn("npm", ["start", "--silent"], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dir, PORT: "0", STREAMS_SECRET: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise((resolve) =>
      npm.once("exit", (code, signal) => resolve(signal ?? code)),
    );
    cleanups.defer(async () => {
      npm.kill("SIGKILL");
      await exited;
    });
    let out = "";
    npm.stdout.setEncoding("utf8");
    const url = await new Promise<string>((resolve, reject) => {
      npm.stdout.on("data", (chunk: string) => {
        out += chunk;
        const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (match) resolve(match[1]!);
      });
      npm.once("exit", () => reject(new Error(`npm start exited:\n${out}`)));
    });
    const put = await fetch(`${url}/v1/stream/kept`, { method: "PUT" });
    expect(put.status).toBe(201);
    expect(existsSync(join(dir, "durastream.db"))).toBe(true);
    npm.kill("SIGTERM");
    await exited;
    // The server itself is gone, not just npm: nothing answers on its port.
    await expect(fetch(`${url}/v1/stream/kept`, { method: "HEAD" })).rejects.toThrow();
  }, 60_000);
});
