/**
 * Expiry through `storage.setAlarm` and the cascade of fork releases between
 * objects, on workerd: a fork that nobody touches expires by its own alarm,
 * releases its (deleted) source in another object over RPC, and the source,
 * whose last fork that was, is removed — its path free again.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { eventually, keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

let worker: LocalWorker;
let cleanup = () => {};

beforeAll(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  worker = await startLocalWorker({ port: 0, persistTo: temp.dir });
});

afterAll(async () => {
  await worker?.close();
  cleanup();
});

describe("Cloudflare: expiry alarms and cascading fork cleanup", () => {
  it("expires an untouched fork by its alarm, which frees its soft-deleted source", async () => {
    const source = `${worker.url}/v1/stream/cascade/source`;
    const fork = `${worker.url}/v1/stream/cascade/fork`;
    const text = { "content-type": "text/plain" };
    expect((await fetch(source, { method: "PUT", headers: text, body: "base" })).status).toBe(201);
    const forked = await fetch(fork, {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/cascade/source", "stream-ttl": "1" },
    });
    expect(forked.status).toBe(201);
    expect(await (await fetch(`${fork}?offset=-1`)).text()).toBe("base");

    // The fork holds the source: deleting it only soft-deletes it.
    expect((await fetch(source, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${source}?offset=-1`)).status).toBe(410);
    expect((await fetch(source, { method: "PUT", headers: text })).status).toBe(409);

    // Nobody reads the fork again: only its alarm can retire it, and only the
    // release it then sends can free the source's path.
    await eventually(
      async () =>
        (await fetch(source, { method: "PUT", headers: text, body: "new" })).status === 201,
      15_000,
    );
    expect(await (await fetch(`${source}?offset=-1`)).text()).toBe("new");
    expect((await fetch(`${fork}?offset=-1`)).status).toBe(404);
  }, 30_000);
});
