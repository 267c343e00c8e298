/**
 * What appends cost the subscription coordinator: a stream no subscription
 * watches reports its creation and then nothing per append; once a
 * subscription links it, every append is reported; once the subscription is
 * deleted, one more report learns that and the appends go quiet again.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = fileURLToPath(new URL(".", import.meta.url));
let worker: LocalWorker;

beforeAll(async () => {
  const script = await bundleWorker({ entry: join(HERE, "workerd", "counting-worker.ts") });
  worker = await startLocalWorker({ port: 0, script, objectClass: "CountingStreamObject" });
}, 60_000);

afterAll(() => worker?.close());

const TEXT = { "content-type": "text/plain" };
const url = (path: string) => `${worker.url}/v1/stream/${path}`;

async function reports(): Promise<number> {
  return Number(await (await fetch(`${worker.url}/reports`)).text());
}

async function appendTimes(path: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(url(path), { method: "POST", headers: TEXT, body: `m${i}` });
    expect(res.status).toBe(204);
  }
}

describe("Cloudflare subscriptions: reports from stream objects", () => {
  it("reports appends of watched streams only", async () => {
    const start = await reports();
    expect((await fetch(url("quiet/a"), { method: "PUT", headers: TEXT })).status).toBe(201);
    await appendTimes("quiet/a", 10);
    // The creation only: the coordinator answered "not watched".
    expect((await reports()) - start).toBe(1);

    const wake = await fetch(url("quiet-wake"), { method: "PUT", headers: TEXT });
    expect(wake.status).toBe(201);
    const sub = await fetch(url("__ds/subscriptions/quiet"), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "pull-wake", streams: ["quiet/a"], wake_stream: "quiet-wake" }),
    });
    expect(sub.status).toBe(201);
    const linked = await reports();
    await appendTimes("quiet/a", 3);
    expect((await reports()) - linked).toBe(3);
    // The first append woke the subscription: one wake event on its wake stream.
    const events = await (await fetch(`${url("quiet-wake")}?offset=-1`)).text();
    expect(events.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(events)).toMatchObject({
      type: "wake",
      subscription_id: "quiet",
      stream: "quiet/a",
    });

    expect((await fetch(url("__ds/subscriptions/quiet"), { method: "DELETE" })).status).toBe(204);
    const deleted = await reports();
    await appendTimes("quiet/a", 5);
    expect((await reports()) - deleted).toBe(1);
  }, 60_000);
});
