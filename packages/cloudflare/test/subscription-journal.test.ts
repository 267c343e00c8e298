/**
 * A stream object's report to the subscription coordinator is journaled in
 * the object's SQLite: an append to a watched stream made while the
 * coordinator refused reports, by an object that then died with workerd,
 * still wakes the subscription once the coordinator answers again, from the
 * alarm of the object's next instance.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = dirname(fileURLToPath(import.meta.url));
const temp = tempDir();
let worker: LocalWorker | undefined;

afterAll(async () => {
  await worker?.close();
  temp.cleanup();
});

const TEXT = { "content-type": "text/plain" };

async function wakeEvents(url: string): Promise<Array<Record<string, unknown>>> {
  const read = await fetch(`${url}/v1/stream/journal-wake?offset=-1`);
  expect(read.status).toBe(200);
  const text = (await read.text()).trim();
  return text === "" ? [] : text.split("\n").map((line) => JSON.parse(line));
}

describe("Cloudflare subscriptions: reports survive the stream object's death", () => {
  it("wakes a pull-wake subscription for an append whose report the coordinator refused, after a restart", async () => {
    worker = await startLocalWorker({ port: 0, persistTo: temp.dir });
    let url = worker.url;
    expect(
      (await fetch(`${url}/v1/stream/journal/a`, { method: "PUT", headers: TEXT })).status,
    ).toBe(201);
    expect(
      (await fetch(`${url}/v1/stream/journal-wake`, { method: "PUT", headers: TEXT })).status,
    ).toBe(201);
    const sub = await fetch(`${url}/v1/stream/__ds/subscriptions/journaled`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "pull-wake",
        streams: ["journal/a"],
        wake_stream: "journal-wake",
      }),
    });
    expect(sub.status).toBe(201);
    await worker.close();

    // The coordinator is down for reports: the append is acknowledged, no wake yet.
    const script = await bundleWorker({
      entry: join(HERE, "workerd", "unreachable-coordinator-worker.ts"),
    });
    worker = await startLocalWorker({ port: 0, persistTo: temp.dir, script });
    url = worker.url;
    const append = await fetch(`${url}/v1/stream/journal/a`, {
      method: "POST",
      headers: TEXT,
      body: "while the coordinator was down",
    });
    expect(append.status).toBe(204);
    expect(await wakeEvents(url)).toEqual([]);
    // workerd stops: the object that took the append is gone, and its memory with it.
    await worker.close();

    worker = await startLocalWorker({ port: 0, persistTo: temp.dir });
    const restarted = worker.url;
    let events: Array<Record<string, unknown>> = [];
    await eventually(async () => {
      events = await wakeEvents(restarted);
      return events.length > 0;
    }, 20_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "wake",
      subscription_id: "journaled",
      stream: "journal/a",
    });
  }, 60_000);
});
