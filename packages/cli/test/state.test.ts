/** `durastream state`: a State Protocol stream's entities as tables, JSON, and live. */

import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { runInPty, stripEscapes } from "../../../test-support/pty.js";
import { BIN, runCli, spawnCli, startTestServer } from "./helpers.js";

let root: string;
let stop: () => Promise<void>;
let env: Record<string, string>;

beforeAll(async () => {
  ({ root, stop } = await startTestServer());
  env = { DURABLE_STREAMS_URL: root };
});
afterAll(() => stop());

const cli = (args: string[], input?: string) => runCli(args, { env, input });

function change(type: string, key: string, operation: string, value?: unknown): string {
  return JSON.stringify({ type, key, value, headers: { operation } });
}

async function seed(path: string): Promise<void> {
  await cli(["create", path, "--json"]);
  const lines = [
    change("user", "u1", "insert", { name: "Ann", role: "admin" }),
    change("user", "u2", "insert", { name: "Bob", role: "dev" }),
    change("task", "t1", "insert", { title: "ship", done: false }),
    change("user", "u2", "update", { name: "Bob", role: "lead" }),
    change("task", "t2", "insert", { title: "tmp", done: false }),
    change("task", "t2", "delete"),
    JSON.stringify({ note: "not a state message: ignored" }),
  ];
  const result = await cli(["append", path, "--json"], `${lines.join("\n")}\n`);
  expect(result.code).toBe(0);
}

describe("durastream state", () => {
  test("on a terminal: the latest value per key, one table per collection", async () => {
    await seed("state/a");
    const pty = runInPty([process.execPath, BIN, "state", "state/a"], { env });
    onTestFinished(() => pty.kill("SIGKILL"));
    expect(await pty.exited).toBe(0);
    const out = stripEscapes(pty.output());
    expect(out).toMatch(/^user \(2 entities\)/m);
    expect(out).toMatch(/│ key\s+│ name\s+│ role\s+│/);
    expect(out).toMatch(/│ u2\s+│ Bob\s+│ lead\s+│/);
    expect(out).toMatch(/^task \(1 entity\)/m);
    expect(out).not.toContain("tmp");
  });

  test("in a pipe: no boxed table, one JSON object per entity (as --json)", async () => {
    await seed("state/piped");
    const piped = await cli(["state", "state/piped"]);
    expect(piped.code).toBe(0);
    expect(piped.out).not.toMatch(/[│┌└─]/);
    const entities = piped.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(entities).toContainEqual({
      type: "user",
      key: "u2",
      value: { name: "Bob", role: "lead" },
    });
    expect(entities).toHaveLength(3);
    const json = await cli(["state", "state/piped", "--json", "--type", "user"]);
    expect(
      json.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { type: "user", key: "u1", value: { name: "Ann", role: "admin" } },
      { type: "user", key: "u2", value: { name: "Bob", role: "lead" } },
    ]);
  });

  test("a stream that is not JSON: one line, exit 2, decided from its content type", async () => {
    await cli(["create", "state/text", "--content-type", "text/plain"]);
    // Bytes that would make a JSON parser fail, and be echoed in its error, if they were read.
    await cli(["append", "state/text"], `hello ${"x".repeat(2_000_000)}\n`);
    const result = await cli(["state", "state/text"]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/state\/text is not a JSON stream \(content type text\/plain\)/);
    expect(result.stderr).not.toContain("hello");
    expect(result.stderr.length).toBeLessThan(300);
  });

  test("-f --json prints the snapshot, then each change, until the stream is closed", async () => {
    await seed("state/b");
    const live = spawnCli(["state", "state/b", "-f", "--json", "--type", "task"], env);
    onTestFinished(() => {
      live.process.kill("SIGKILL");
    });
    await live.waitFor((out) => out.includes('"key":"t1"'));
    await cli([
      "append",
      "state/b",
      change("task", "t1", "update", { title: "ship", done: true }),
      "--json",
    ]);
    await cli(["append", "state/b", change("user", "u3", "insert", { name: "Cy" }), "--json"]);
    await cli(["append", "state/b", change("task", "t1", "delete"), "--json"]);
    await live.waitFor((out) => out.includes('"operation":"delete"'));
    expect((await cli(["close", "state/b"])).code).toBe(0);
    expect(await live.exited).toBe(0);
    expect(
      live
        .stdout()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { type: "task", key: "t1", value: { title: "ship", done: false } },
      { type: "task", key: "t1", operation: "update", value: { title: "ship", done: true } },
      { type: "task", key: "t1", operation: "delete", value: null },
    ]);
  });

  test("-f on a terminal redraws the tables in place", async () => {
    await seed("state/c");
    const pty = runInPty([process.execPath, BIN, "state", "state/c", "-f"], { env });
    onTestFinished(() => pty.kill("SIGKILL")); // on failure: leave no follower behind
    await pty.waitFor(/u2 +│ Bob +│ lead/);
    await cli([
      "append",
      "state/c",
      change("user", "u2", "update", { name: "Bob", role: "cto" }),
      "--json",
    ]);
    await pty.waitFor(/u2 +│ Bob +│ cto/);
    expect(pty.output()).toContain("\u001b[H\u001b[2J");
    await cli(["close", "state/c"]);
    expect(await pty.exited).toBe(0);
  });

  test("an unknown stream exits 3", async () => {
    const result = await cli(["state", "state/none"]);
    expect(result.code).toBe(3);
  });
});
