/**
 * What a newcomer sees when starting the server: the banner on a terminal,
 * JSON logs in a pipe, every flag with an environment twin as the README's
 * table says, and `npm start` honouring DATA_DIR and passing signals on.
 */

import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runInPty, stripEscapes } from "../../../test-support/pty.js";
import {
  configurationTable,
  parseConfig,
  SERVER_SETTINGS,
  type ServerSetting,
} from "../src/index.js";
import { testCleanups } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const LAUNCHER = join(ROOT, "packages", "server", "bin", "durastream-server.js");

/** A value to try for a setting, and where parseConfig must put it. */
function sample(setting: ServerSetting): { text: string; expected: unknown } {
  if ("proxy" in setting.target && setting.target.proxy === "allowlist") {
    return { text: "https://a.example/**", expected: ["https://a.example/**"] };
  }
  switch (setting.kind) {
    case "integer":
      return { text: "1234", expected: 1234 };
    case "boolean":
      return { text: "true", expected: true };
    case "choice":
      return { text: setting.choices![1]!, expected: setting.choices![1]! };
    default:
      return { text: "/sample/value", expected: "/sample/value" };
  }
}

/**
 * The settings `parseConfig` converts one by one. The production features'
 * (target `ops`: tokens, CORS, rate limits...) are checked together by
 * `opsOptions` and have their own suites (auth-tokens, rate-limits, ...).
 */
const CONVERTED = SERVER_SETTINGS.filter((setting) => !("ops" in setting.target));

function landed(config: ReturnType<typeof parseConfig>, setting: ServerSetting): unknown {
  if (!("options" in config)) throw new Error("expected a run configuration");
  const target = setting.target;
  if ("ops" in target) throw new Error(`${setting.flag} is converted by opsOptions`);
  if ("limit" in target) return config.options.limits?.[target.limit];
  if ("proxy" in target) return config.options.proxy?.[target.proxy];
  if ("log" in target) return target.log === "level" ? config.logLevel : config.logFormat;
  if ("console" in target) {
    const console = config.options.console;
    return target.console === "off" ? console === false : console ? console.path : undefined;
  }
  if ("storage" in target) return config.options.storage?.[target.storage];
  return (config.options as Record<string, unknown>)[target.option];
}

describe("configuration", () => {
  const cleanups = testCleanups();

  test("the README's and the server reference's tables are the code's table", () => {
    for (const doc of ["README.md", "docs/server.md"]) {
      const text = readFileSync(join(ROOT, doc), "utf8");
      expect(text, `${doc}: run "node scripts/config-table.mjs" to update it`).toContain(
        configurationTable(),
      );
    }
  });

  test("every flag has an environment twin that does the same; the flag wins", () => {
    for (const setting of CONVERTED) {
      const { text, expected } = sample(setting);
      const name = setting.flag ?? setting.env[0]!;
      expect(setting.env.length, `${name} has an environment variable`).toBeGreaterThan(0);
      for (const variable of setting.env) {
        expect(landed(parseConfig([], { [variable]: text }), setting), variable).toEqual(expected);
      }
      if (setting.flag === null) continue;
      const argv = setting.kind === "boolean" ? [`--${setting.flag}`] : [`--${setting.flag}`, text];
      expect(landed(parseConfig(argv, {}), setting), name).toEqual(expected);
      const other = setting.kind === "integer" ? "99" : setting.kind === "boolean" ? "false" : "x";
      if (setting.kind !== "choice") {
        const both = parseConfig(argv, { [setting.env[0]!]: other });
        expect(landed(both, setting), `${name} wins`).toEqual(expected);
      }
    }
  });

  test("the production settings' environment twins do what their flags do; the flag wins", () => {
    const temp = cleanups.tempDir();
    const keyFiles = ["a", "b"].map((name) => {
      const file = join(temp, `${name}.jwk`);
      writeFileSync(file, JSON.stringify({ kty: "OKP", crv: "Ed25519", x: name, kid: name }));
      return file;
    });
    /** Two values for each setting, as its flag takes them and as its variable does. */
    const values = (flag: string, items: readonly string[]) =>
      flag === "token-public-key" ? keyFiles : items.map((item) => `https://${item}.example`);
    const twinned = SERVER_SETTINGS.filter(
      (setting) => "ops" in setting.target && setting.env.length > 0,
    );
    expect(twinned.map((setting) => setting.flag).sort()).toEqual([
      "cors-origin",
      "token-audience",
      "token-issuer",
      "token-jwks-url",
      "token-public-key",
    ]);
    for (const setting of twinned) {
      const flag = setting.flag!;
      const [first, second] = values(flag, ["first", "second"]) as [string, string];
      const argv = setting.multiple
        ? [`--${flag}`, first, `--${flag}`, second]
        : [`--${flag}`, first];
      const text = setting.multiple ? ` ${first} ,${second},` : first;
      const fromFlag = parseConfig(argv, {});
      expect(fromFlag, flag).not.toEqual(parseConfig([], {}));
      for (const variable of setting.env) {
        expect(parseConfig([], { [variable]: text }), variable).toEqual(fromFlag);
        const other = values(flag, ["other"]).join(",");
        expect(parseConfig(argv, { [variable]: other }), `--${flag} wins`).toEqual(fromFlag);
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

  test("with auth on, the banner's Try lines carry the secret's header and work when pasted", async () => {
    const pty = runInPty([process.execPath, LAUNCHER, "--port", "0", "--memory"], {
      env: { STREAMS_SECRET: "s3cret" },
      columns: 250,
    });
    cleanups.defer(async () => {
      pty.kill();
      await pty.exited;
    });
    await pty.waitFor(/Stop .*\n/);
    const text = stripEscapes(pty.output());
    expect(text).not.toContain("s3cret");
    const lines = [...text.matchAll(/^ +(?:Try)? +(curl .*)$/gm)].map((match) => match[1]!.trim());
    expect(lines).toHaveLength(3);
    const statuses = lines.map((line) =>
      execFileSync("sh", ["-c", `${line} -s -o /dev/null -w '%{http_code}'`], {
        env: { ...process.env, STREAMS_SECRET: "s3cret" },
        encoding: "utf8",
      }),
    );
    expect(statuses).toEqual(["201", "204", "200"]);
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
        if (/"msg":"durastream listening"[^\n]*\n/.test(out)) resolve();
      }),
    );
    const lines = out
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    const line = lines.find((entry) => entry.msg === "durastream listening") as {
      msg: string;
      url: string;
      memory: boolean;
    };
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
