/**
 * The stream objects' outbox to the registry is durable and retried: reports
 * the registry refused stay in each object's SQLite, and the object's alarm
 * delivers them once the registry answers again — here after workerd was
 * stopped and restarted over the same persistence directory.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, tempDir } from "./helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const temp = tempDir();
let worker: LocalWorker | undefined;

afterAll(async () => {
  await worker?.close();
  temp.cleanup();
});

async function listed(url: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/stream/__ds/streams?prefix=outbox/`);
  expect(response.status).toBe(200);
  const page = (await response.json()) as { streams: Array<{ path: string }> };
  return page.streams.map((s) => s.path);
}

describe("Cloudflare: registry reports survive an unreachable registry and a restart", () => {
  it("lists a stream created while the registry refused reports, once it answers again", async () => {
    const script = await bundleWorker({
      entry: join(HERE, "workerd", "unreachable-registry-worker.ts"),
    });
    worker = await startLocalWorker({ port: 0, persistTo: temp.dir, script });
    const text = { "content-type": "text/plain" };
    const put = await fetch(`${worker.url}/v1/stream/outbox/kept`, {
      method: "PUT",
      headers: text,
      body: "acknowledged",
    });
    // The registry being down never fails a stream write.
    expect(put.status).toBe(201);
    expect(await listed(worker.url)).toEqual([]);
    await worker.close();

    // The production Worker over the same storage: the object's persisted
    // alarm delivers what its outbox kept.
    worker = await startLocalWorker({ port: 0, persistTo: temp.dir });
    const url = worker.url;
    await eventually(async () => (await listed(url)).includes("outbox/kept"), 20_000);
    const read = await fetch(`${url}/v1/stream/outbox/kept?offset=-1`);
    expect(await read.text()).toBe("acknowledged");
  }, 60_000);
});
