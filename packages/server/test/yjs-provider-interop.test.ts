/**
 * Interop: durastream's provider (`@durastream/yjs` `YjsProvider`) against
 * the official Yjs server (npm `@durable-streams/y-durable-streams` 0.2.7,
 * `/server` entry, in front of a durastream server), driven by the official
 * Yjs conformance suite. The official provider against durastream's routes
 * is yjs-conformance.test.ts.
 */

import { YjsProvider } from "@durastream/yjs";
import { afterAll } from "vitest";
import { yjsConformance } from "../../../test-support/vendor/yjs-conformance-target.js";
import type { RunningServer } from "../src/index.js";
import { startTestServer, tempDir } from "./helpers.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

yjsConformance.target = {
  streamsServer: () => {
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
  Provider: YjsProvider as unknown as NonNullable<typeof yjsConformance.target>["Provider"],
};

await import("../../../test-support/vendor/yjs-conformance.js");
