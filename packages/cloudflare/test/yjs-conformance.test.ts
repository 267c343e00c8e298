/**
 * Yjs documents on the Cloudflare runtime: the Worker serves `/v1/yjs` with
 * the same routes as Node (each of a document's streams in its own Durable
 * Object), driven by the official Yjs conformance suite (vendored under
 * test-support/vendor) with the official provider, compaction at 1500 bytes;
 * then that compactions trim a document's updates on this runtime too.
 */

import { afterAll, describe, expect, test } from "vitest";
import { eventually } from "../../../test-support/eventually.js";
import { yjsConformance } from "../../../test-support/vendor/yjs-conformance-target.js";
import { readDocument, tokensOf, writeTokens } from "../../../test-support/yjs-documents.js";
import { startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

const temp = tempDir();
const worker = await startLocalWorker({
  port: 0,
  persistTo: temp.dir,
  vars: { STREAMS_YJS_COMPACTION_THRESHOLD: "1500", LONG_POLL_TIMEOUT_MS: "5000" },
});
afterAll(async () => {
  await worker.close();
  temp.cleanup();
});

yjsConformance.target = {
  streamsServer: () => {
    throw new Error("the suite runs against the Worker's own /v1/yjs routes");
  },
  externalStreams: { url: worker.url, start: async () => {}, stop: async () => {} },
  skip: {
    "should avoid concurrent compactions and keep updates":
      "spies on the official YjsServer's private compactor",
  },
};
process.env.YJS_CONFORMANCE_URL = `${worker.url}/v1/yjs/test`;
try {
  await import("../../../test-support/vendor/yjs-conformance.js");
} finally {
  delete process.env.YJS_CONFORMANCE_URL;
}

// Beyond the official suite, on the same Worker: compactions trim the updates
// a snapshot holds here too (each stream in its own object, trimmed by RPC).
describe("Yjs document storage on the Worker", () => {
  test("after compactions the updates before the previous snapshot are trimmed; every reader still gets every update", async () => {
    const base = `${worker.url}/v1/yjs/test`;
    const docId = "cf-bound";
    expect((await fetch(`${base}/docs/${docId}`, { method: "PUT" })).status).toBe(201);
    const acked = await writeTokens(base, docId, "c", 120, 2);
    expect(acked.length).toBe(120);
    const updates = `${worker.url}/v1/stream/yjs/test/docs/${docId}/.updates`;
    let earliest = 0;
    await eventually(
      async () => {
        const head = await fetch(updates, { method: "HEAD" });
        earliest = Number(head.headers.get("stream-earliest-offset")?.split("_")[1] ?? 0);
        return earliest > 0;
      },
      20_000,
      200,
      "the updates to be trimmed",
    );
    const tail = await fetch(updates, { method: "HEAD" });
    const written = Number(tail.headers.get("stream-next-offset")!.split("_")[1]);
    // About 120 × 90 bytes written; what is kept starts at the previous snapshot.
    expect(written - earliest).toBeLessThan(written / 2);
    const fresh = await readDocument(base, docId);
    expect(tokensOf(fresh.doc)).toEqual(new Set(acked));
    // A reader from the start of the log: its offset is gone, it is answered with the snapshot.
    const stale = await fetch(`${base}/docs/${docId}?offset=0000000000000000_0000000000000000`);
    expect(stale.status).toBe(200);
    expect(stale.headers.get("stream-next-offset")).not.toBeNull();
    await stale.arrayBuffer();
  }, 60_000);
});
