/**
 * Retention on the Durable Object store, through the Worker on workerd:
 * byte and age limits trimmed from each stream's alarm (nothing asked of the
 * Worker meanwhile), and a source that keeps what a fork in another object
 * still reads until that fork is deleted.
 */

import { encodeOffset } from "@durastream/protocol";
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
}, 60_000);

afterAll(async () => {
  await worker?.close();
  cleanup();
});

const TEXT = { "content-type": "text/plain" };
const url = (path: string) => `${worker.url}/v1/stream/${path}`;

async function earliestOf(path: string): Promise<string | null> {
  return (await fetch(url(path), { method: "HEAD" })).headers.get("stream-earliest-offset");
}

async function append(path: string, body: string): Promise<void> {
  const res = await fetch(url(path), { method: "POST", headers: TEXT, body });
  expect(res.status).toBe(204);
}

describe("Cloudflare Durable Object store: retention", () => {
  it("keeps the newest bytes of a stream with Stream-Retention-Max-Bytes", async () => {
    const put = await fetch(url("ret/bytes"), {
      method: "PUT",
      headers: { ...TEXT, "stream-retention-max-bytes": "8" },
    });
    expect(put.status).toBe(201);
    for (const part of ["aaaa", "bbbb", "cccc", "dddd"]) await append("ret/bytes", part);
    await eventually(async () => (await earliestOf("ret/bytes")) === encodeOffset(8), 10_000);
    const head = await fetch(url("ret/bytes"), { method: "HEAD" });
    expect(head.headers.get("stream-retention-max-bytes")).toBe("8");
    expect(await (await fetch(`${url("ret/bytes")}?offset=-1`)).text()).toBe("ccccdddd");
    const gone = await fetch(`${url("ret/bytes")}?offset=${encodeOffset(0)}`);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("OFFSET_GONE");
  }, 30_000);

  it("lets data older than Stream-Retention-Max-Age go from the alarm", async () => {
    const put = await fetch(url("ret/age"), {
      method: "PUT",
      headers: { ...TEXT, "stream-retention-max-age": "1" },
      body: "old",
    });
    expect(put.status).toBe(201);
    await eventually(async () => (await earliestOf("ret/age")) === encodeOffset(3), 10_000);
    expect(await (await fetch(`${url("ret/age")}?offset=-1`)).text()).toBe("");
  }, 30_000);

  it("does not trim what a fork in another object still reads, until the fork goes", async () => {
    const put = await fetch(url("ret/source"), {
      method: "PUT",
      headers: { ...TEXT, "stream-retention-max-bytes": "4" },
      body: "0123",
    });
    expect(put.status).toBe(201);
    const fork = await fetch(url("ret/fork"), {
      method: "PUT",
      headers: { ...TEXT, "stream-forked-from": "/v1/stream/ret/source" },
    });
    expect(fork.status).toBe(201);
    for (const part of ["4567", "89ab"]) await append("ret/source", part);
    // The limit would trim to 8; the fork reads [0, 4) of the source.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await earliestOf("ret/source")).toBe(encodeOffset(0));
    expect(await (await fetch(`${url("ret/fork")}?offset=-1`)).text()).toBe("0123");
    // The fork goes: the source trims to its limit.
    expect((await fetch(url("ret/fork"), { method: "DELETE" })).status).toBe(204);
    await eventually(async () => (await earliestOf("ret/source")) === encodeOffset(8), 10_000);
    expect(await (await fetch(`${url("ret/source")}?offset=-1`)).text()).toBe("89ab");
  }, 30_000);

  it("frees the source once a fork trims past its own fork point", async () => {
    const put = await fetch(url("ret/base"), {
      method: "PUT",
      headers: { ...TEXT, "stream-retention-max-bytes": "4" },
      body: "0123",
    });
    expect(put.status).toBe(201);
    const fork = await fetch(url("ret/branch"), {
      method: "PUT",
      headers: {
        ...TEXT,
        "stream-forked-from": "/v1/stream/ret/base",
        "stream-retention-max-bytes": "4",
      },
    });
    expect(fork.status).toBe(201);
    await append("ret/base", "wxyz");
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Held for the fork, which reads [0, 4) of it.
    expect(await earliestOf("ret/base")).toBe(encodeOffset(0));
    // The fork keeps its newest 4 bytes: it trims past its fork point, reading nothing of the source.
    for (const part of ["4567", "89ab"]) await append("ret/branch", part);
    await eventually(async () => (await earliestOf("ret/branch")) === encodeOffset(8), 10_000);
    await eventually(async () => (await earliestOf("ret/base")) === encodeOffset(4), 10_000);
    expect(await (await fetch(`${url("ret/base")}?offset=-1`)).text()).toBe("wxyz");
    expect(await (await fetch(`${url("ret/branch")}?offset=-1`)).text()).toBe("89ab");
  }, 30_000);
});
