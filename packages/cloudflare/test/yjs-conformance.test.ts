/**
 * Yjs documents on the Cloudflare runtime: the Worker serves `/v1/yjs` with
 * the same routes as Node (each of a document's streams in its own Durable
 * Object), driven by the official Yjs conformance suite (vendored under
 * test-support/vendor) with the official provider, compaction at 1500 bytes.
 */

import { afterAll } from "vitest";
import { yjsConformance } from "../../../test-support/vendor/yjs-conformance-target.js";
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
