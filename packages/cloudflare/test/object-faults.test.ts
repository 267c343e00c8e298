/**
 * Objects that fail, on workerd: a fork release the source does not answer
 * stays journaled in the fork's object, survives a restart, and is retried by
 * the object's alarm until the source — deleted, kept only for that fork — is
 * removed and its path is free again; an object that throws instead of
 * answering becomes a 503 the client can retry.
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { bundleWorker } from "../dev/bundle.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const HERE = dirname(fileURLToPath(import.meta.url));
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(script: string, persistTo: string, failures: number): Promise<LocalWorker> {
  const worker = await startLocalWorker({
    port: 0,
    script,
    persistTo,
    objectClass: "FaultyObject",
    vars: { FAIL_RELEASES: String(failures) },
  });
  cleanups.push(() => worker.close());
  return worker;
}

describe("Cloudflare: objects that fail", () => {
  it("retries a failed release from its journal, across a restart, until the source is freed", async () => {
    const script = await bundleWorker({ entry: join(HERE, "workerd", "faulty-worker.ts") });
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const text = { "content-type": "text/plain" };

    const first = await start(script, temp.dir, 1);
    const source = `${first.url}/v1/stream/retry/source`;
    const fork = `${first.url}/v1/stream/retry/fork`;
    expect((await fetch(source, { method: "PUT", headers: text, body: "base" })).status).toBe(201);
    const forked = await fetch(fork, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/retry/source" },
    });
    expect(forked.status).toBe(201);
    expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
    // The fork goes; its release fails, and is journaled for a retry.
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${fork}?offset=-1`)).status).toBe(404);
    expect((await fetch(source, { method: "PUT", headers: text })).status).toBe(409);
    await first.close();

    // A new workerd on the same storage, the source reachable again: only the
    // fork's journal and alarm can free the source's path.
    const second = await start(script, temp.dir, 0);
    const again = `${second.url}/v1/stream/retry/source`;
    await eventually(
      async () =>
        (await fetch(again, { method: "PUT", headers: text, body: "new" })).status === 201,
      20_000,
    );
    expect(await (await fetch(`${again}?offset=-1`)).text()).toBe("new");
  }, 40_000);

  it("answers 503 with Retry-After, as JSON, when a stream's object throws instead of answering", async () => {
    const script = await bundleWorker({ entry: join(HERE, "workerd", "faulty-worker.ts") });
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const worker = await start(script, temp.dir, 0);
    for (const query of ["?offset=-1", "?offset=-1&live=sse"]) {
      const response = await fetch(`${worker.url}/v1/stream/unreachable/x${query}`);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      const body = (await response.json()) as { error: { code: string } };
      expect(body.error.code).toBe("STORAGE_UNAVAILABLE");
    }
  });
});
