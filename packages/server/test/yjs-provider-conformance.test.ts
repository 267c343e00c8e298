/**
 * durastream's provider (`@durastream/yjs` `YjsProvider`) driven by the
 * official Yjs conformance suite, against durastream's own `/v1/yjs` routes.
 * (yjs-provider-interop.test.ts runs it against the official Yjs server.)
 */

import { YjsProvider } from "@durastream/yjs";
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
  externalStreams: { url: server.url, start: async () => {}, stop: async () => {} },
  Provider: YjsProvider as unknown as NonNullable<typeof yjsConformance.target>["Provider"],
  skip: {
    "should avoid concurrent compactions and keep updates":
      "spies on the official YjsServer's private compactor; yjs-documents.test.ts covers concurrent writes during a compaction",
  },
};
process.env.YJS_CONFORMANCE_URL = `${server.url}/v1/yjs/test`;
try {
  await import("../../../test-support/vendor/yjs-conformance.js");
} finally {
  delete process.env.YJS_CONFORMANCE_URL;
}
