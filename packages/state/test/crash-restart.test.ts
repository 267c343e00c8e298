import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineStreamSchema, subscribeState } from "../src/index.js";
import { SERVER_KINDS, startServerOfKind, type TestServer, uniquePath } from "./servers.js";

const TOTAL = 30_000;
const script = new URL("./fixtures/crash-producer.mjs", import.meta.url);

const schema = defineStreamSchema({
  items: {
    schema: {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: (value: unknown) => ({ value: value as { id: string; n: number } }),
      },
    },
    type: "item",
    primaryKey: "id",
  },
});

// Same as opAt() in fixtures/crash-producer.mjs.
function opAt(
  i: number,
): { kind: "delete"; id: string } | { kind: "upsert"; value: { id: string; n: number } } {
  const id = `k${(i * 7919) % 5000}`;
  return i % 9 === 0 ? { kind: "delete", id } : { kind: "upsert", value: { id, n: i } };
}

/** Runs the producer process from `from`; kills it (SIGKILL) after `killAfter` checkpoint, if given. */
function runProducer(
  env: Record<string, string>,
  killAfter?: number,
): Promise<{ checkpoint: number; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script.pathname], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let checkpoint = Number(env.FROM ?? 0);
    let killed = false;
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (data: string) => {
      buffered += data;
      for (const match of buffered.matchAll(/checkpoint (\d+)\n/g)) checkpoint = Number(match[1]);
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
      if (killAfter !== undefined && checkpoint >= killAfter && !killed) {
        killed = true;
        child.kill("SIGKILL"); // crash: in-flight and unflushed writes may or may not land
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (killed || code === 0) resolve({ checkpoint, killed });
      else reject(new Error(`producer exited with ${code}`));
    });
  });
}

describe.each(SERVER_KINDS)("producer process crash and restart on %s server", (kind) => {
  let server!: TestServer;
  beforeAll(async () => {
    server = await startServerOfKind(kind);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a restarted process with the same producerId resumes from its checkpoint; consumers converge", async () => {
    const streamPath = uniquePath("crash");
    const env = { BASE: server.base, STREAM_PATH: streamPath, TOTAL: String(TOTAL) };
    const crashed = await runProducer(env, 12_000);
    expect(crashed.killed).toBe(true);
    expect(crashed.checkpoint).toBeGreaterThanOrEqual(12_000);
    expect(crashed.checkpoint).toBeLessThan(TOTAL);

    const live = subscribeState({ streamPath, baseUrl: server.base, schema });
    await live.ready;

    const restarted = await runProducer({ ...env, FROM: String(crashed.checkpoint) });
    expect(restarted).toEqual({ checkpoint: TOTAL, killed: false });

    const model = new Map<string, { id: string; n: number }>();
    for (let i = 0; i < TOTAL; i++) {
      const op = opAt(i);
      if (op.kind === "upsert") model.set(op.value.id, op.value);
      else model.delete(op.id);
    }
    const late = subscribeState({ streamPath, baseUrl: server.base, schema, live: false });
    await late.done;
    const started = Date.now();
    while (live.offset !== late.offset && Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const view of [late, live]) {
      expect(Object.fromEntries(view.all("items"))).toEqual(Object.fromEntries(model));
      // Everything from the restart on landed exactly once; before it, at most once.
      expect(view.applied).toBeGreaterThanOrEqual(TOTAL);
      expect(view.applied).toBeLessThanOrEqual(TOTAL + (TOTAL - crashed.checkpoint));
    }
    live.close();
  }, 120_000);
});
