/**
 * durastream serves the Yjs protocol itself at `/v1/yjs/{service}/docs/{doc}`:
 * the official Yjs conformance suite (vendored under test-support/vendor),
 * pointed at `{server}/v1/yjs/test` as its own README says, drives the
 * official `YjsProvider` against it (compaction threshold 1500 bytes, as the
 * suite expects). The suite skips its restart test for an external server,
 * and one test spies on the official server's internals (skipped here);
 * yjs-documents.test.ts covers restarts and concurrent compaction.
 */

import { afterAll } from "vitest";
import { yjsConformance } from "../../../test-support/vendor/yjs-conformance-target.js";
import { startTestServer, tempDir } from "./helpers.js";

const temp = tempDir();
const server = await startTestServer({ dataDir: temp.dir, yjsCompactionThreshold: 1500 });
afterAll(async () => {
  await server.close();
  temp.cleanup();
});

yjsConformance.target = {
  streamsServer: () => {
    throw new Error("the suite runs against durastream's own /v1/yjs routes");
  },
  // The documents' streams are this server's own (the official layout): the
  // tests that delete a stream directly reach them here.
  externalStreams: { url: server.url, start: async () => {}, stop: async () => {} },
  skip: {
    "should avoid concurrent compactions and keep updates":
      "spies on the official YjsServer's private compactor; yjs-documents.test.ts covers concurrent writes during a compaction",
  },
};
// Read once, when the vendored suite is imported; other files in this worker must not see it.
process.env.YJS_CONFORMANCE_URL = `${server.url}/v1/yjs/test`;
try {
  await import("../../../test-support/vendor/yjs-conformance.js");
} finally {
  delete process.env.YJS_CONFORMANCE_URL;
}
