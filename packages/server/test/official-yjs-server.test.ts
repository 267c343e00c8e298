/**
 * The official Yjs server (npm `@durable-streams/y-durable-streams` 0.2.7,
 * its `/server` entry, `compactionThreshold: 1500` as its own tests use) in
 * front of durastream, driven by its own conformance suite (vendored under
 * test-support/vendor). It depends on reads at offsets inside a stored
 * message (after a compaction it reads from its snapshot's offset plus one).
 *
 * `DURASTREAM_YJS_STREAMS=official` runs the same suite in front of the
 * official Durable Streams server instead, for comparison.
 */

import { DurableStreamTestServer } from "@durable-streams/server";
import { afterAll } from "vitest";
import { yjsConformance } from "../../../test-support/vendor/yjs-conformance-target.js";
import type { RunningServer } from "../src/index.js";
import { startTestServer, tempDir } from "./helpers.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

yjsConformance.target = {
  streamsServer: () => {
    if (process.env.DURASTREAM_YJS_STREAMS === "official") {
      return new DurableStreamTestServer({ port: 0 });
    }
    let server: RunningServer | undefined;
    return {
      get url() {
        return server!.url;
      },
      start: async () => {
        server = await startTestServer({ dataDir: temp.dir });
      },
      stop: async () => {
        await server?.close();
      },
    };
  },
};

await import("../../../test-support/vendor/yjs-conformance.js");
