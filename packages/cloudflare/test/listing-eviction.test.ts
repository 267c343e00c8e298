/**
 * A stream reports an append's tail to the listing a refresh period later,
 * from its object's alarm. workerd evicts an idle object after about 10 s:
 * with a longer refresh the alarm fires on a new instance that never saw the
 * append, and the listing must still catch up (the last reported tail is
 * durable, not only in memory).
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = dirname(fileURLToPath(import.meta.url));
/** Longer than workerd's ~10 s eviction of an idle object. */
const REFRESH_MS = 13_000;
const STREAMS = ["evicted/a", "evicted/b", "evicted/c"];

interface Listed {
  readonly path: string;
  readonly bytes: number;
}

describe("Cloudflare listing after the object was evicted", () => {
  let worker: LocalWorker;

  beforeAll(async () => {
    const script = await bundleWorker({ entry: join(HERE, "workerd", "counting-worker.ts") });
    worker = await startLocalWorker({
      port: 0,
      script,
      objectClass: "CountingStreamObject",
      vars: { REGISTRY_REFRESH_MS: String(REFRESH_MS) },
    });
  });

  afterAll(() => worker?.close());

  async function listed(): Promise<Listed[]> {
    const response = await fetch(`${worker.url}/v1/stream/__ds/streams?prefix=evicted/`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { streams: Listed[] }).streams;
  }

  async function constructions(): Promise<number> {
    return Number(await (await fetch(`${worker.url}/constructions`)).text());
  }

  it("lists every stream's appended bytes once the refresh is due, though each object was evicted first", async () => {
    const text = { "content-type": "text/plain" };
    for (const path of STREAMS) {
      const url = `${worker.url}/v1/stream/${path}`;
      expect((await fetch(url, { method: "PUT", headers: text })).status).toBe(201);
    }
    // Creations are reported right after their answers.
    await eventually(async () => (await listed()).length >= STREAMS.length, 10_000);
    for (const path of STREAMS) {
      const url = `${worker.url}/v1/stream/${path}`;
      const body = `appended to ${path}`;
      expect((await fetch(url, { method: "POST", headers: text, body })).status).toBe(204);
    }
    const built = await constructions();
    const deadline = Date.now() + REFRESH_MS + 15_000;
    let streams = await listed();
    while (streams.some((s) => s.bytes === 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      streams = await listed();
    }
    // The objects really were evicted and built again for their alarms.
    expect(await constructions()).toBeGreaterThanOrEqual(built + STREAMS.length);
    expect(streams.map((s) => [s.path, s.bytes])).toEqual(
      STREAMS.map((path) => [path, `appended to ${path}`.length]),
    );
  }, 60_000);
});
