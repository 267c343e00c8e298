/**
 * `MAX_FORK_DEPTH` on workerd: every fork lives in its own object, so the
 * chain cannot be walked in one place; each fork records its depth, and the
 * source's object refuses a fork past the cap with 400 FORK_TOO_DEEP before
 * it takes a reference. Nothing is created, and the chain below still reads
 * byte-exact and deletes cleanly.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

let worker: LocalWorker;
let cleanup = () => {};

beforeAll(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  worker = await startLocalWorker({
    port: 0,
    persistTo: temp.dir,
    vars: { MAX_FORK_DEPTH: "3" },
  });
});

afterAll(async () => {
  await worker?.close();
  cleanup();
});

const text = { "content-type": "text/plain" };
const url = (path: string) => `${worker.url}/v1/stream/depth/${path}`;

describe("Cloudflare: MAX_FORK_DEPTH", () => {
  it("refuses a fork past the cap with 400 FORK_TOO_DEEP and creates nothing", async () => {
    expect((await fetch(url("c0"), { method: "PUT", headers: text, body: "0," })).status).toBe(201);
    for (let i = 1; i <= 3; i++) {
      const res = await fetch(url(`c${i}`), {
        method: "PUT",
        headers: { ...text, "stream-forked-from": `/v1/stream/depth/c${i - 1}` },
        body: `${i},`,
      });
      expect(res.status).toBe(201);
    }
    const refused = await fetch(url("c4"), {
      method: "PUT",
      headers: { ...text, "stream-forked-from": "/v1/stream/depth/c3" },
      body: "4,",
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "FORK_TOO_DEEP",
    );
    expect((await fetch(url("c4"))).status).toBe(404);
    expect(await (await fetch(`${url("c3")}?offset=-1`)).text()).toBe("0,1,2,3,");
    // c3 holds no extra reference: deleting it frees it at once, and its path can be re-created.
    expect((await fetch(url("c3"), { method: "DELETE" })).status).toBe(204);
    expect((await fetch(url("c3"), { method: "PUT", headers: text })).status).toBe(201);
  }, 30_000);
});
