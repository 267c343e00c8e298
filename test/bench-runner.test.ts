/**
 * The bench runner's shared parts: a scenario that runs past its budget fails
 * with what it was waiting for and leaves no client process behind, and the
 * event-loop block meter counts a block of the main thread.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { ClientProcess } from "../bench/src/client-process.js";
import { mainThreadCpuMs, measureLoopBlocks } from "../bench/src/clients/loop-blocks.js";
import { runWithDeadline } from "../bench/src/deadline.js";

const dir = mkdtempSync(join(tmpdir(), "bench-runner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A client that says it is ready and then never sends its result (the stuck official StreamDB). */
const stuckClient = join(dir, "stuck-client.mjs");
writeFileSync(
  stuckClient,
  `process.stdout.write(JSON.stringify({ event: "ready" }) + "\\n");
   setInterval(() => {}, 1000);`,
);

function exited(client: ClientProcess, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (client.exited || Date.now() > deadline) {
        clearInterval(poll);
        resolve(client.exited);
      }
    }, 20);
  });
}

test("a scenario past its budget fails naming the client and the event it awaited, and the client is killed", async () => {
  const client = ClientProcess.spawnScript(stuckClient, "stuck-reader", { impl: "official" });
  await client.waitFor("ready", 10_000);
  // The client's own wait is longer than the scenario's budget, as in the bench.
  const run = client.waitFor("result", 60_000);
  const failure = await runWithDeadline(run, 300, "stream-db-materialize on durastream").then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(failure).toMatch(/^stream-db-materialize on durastream timed out after 0\.3 s; /);
  expect(failure).toContain('client stuck-reader {"impl":"official"}');
  expect(failure).toContain('awaited for "result", last event "ready"');
  expect(await exited(client, 5_000)).toBe(true);
  await expect(run).rejects.toThrow(/stuck-reader exited/);
});

test("a scenario that finishes in time is not touched", async () => {
  const result = await runWithDeadline(Promise.resolve(42), 300, "quick");
  expect(result).toBe(42);
});

test("the block meter reports 120 ms of main-thread work in one run as one block", async () => {
  const cpuMs = mainThreadCpuMs();
  const meter = measureLoopBlocks();
  // Let the timer tick, hold the loop, let it tick again.
  await new Promise((resolve) => setTimeout(resolve, 20));
  if (cpuMs === undefined) {
    const until = performance.now() + 120;
    while (performance.now() < until) {
      /* busy: the page is blocked */
    }
  } else {
    // 120 ms of the main thread's own CPU time, however loaded the machine is.
    const until = mainThreadCpuMs()! + 120;
    while (mainThreadCpuMs()! < until) {
      /* busy: the page is blocked */
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  const blocks = meter.stop();
  expect(blocks.maxWallBlockMs).toBeGreaterThanOrEqual(110);
  if (cpuMs !== undefined) {
    expect(blocks.maxMainThreadBlockMs).toBeGreaterThanOrEqual(120);
    expect(blocks.blocksOver50Ms).toBe(1);
  }
});
