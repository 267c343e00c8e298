/** `durastream state`: a State Protocol stream's entities as tables, JSON, and live. */

import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { runInPty } from "../../../test-support/pty.js";
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
  test("prints the latest value per key, one table per collection", async () => {
    await seed("state/a");
    const result = await cli(["state", "state/a"]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^user \(2 entities\)/m);
    expect(result.out).toMatch(/│ key\s+│ name\s+│ role\s+│/);
    expect(result.out).toMatch(/│ u2\s+│ Bob\s+│ lead\s+│/);
    expect(result.out).toMatch(/^task \(1 entity\)/m);
    expect(result.out).not.toContain("tmp");
    const json = await cli(["state", "state/a", "--json", "--type", "user"]);
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
