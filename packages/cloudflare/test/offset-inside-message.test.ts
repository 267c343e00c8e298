/**
 * An offset inside a stored message rounds down to that message's start on
 * the Cloudflare runtime too (one Durable Object per stream; a fork reaches
 * its source's object by RPC). The suite is shared with the Node runtime.
 */

import { afterAll, beforeAll } from "vitest";
import { describeOffsetsInsideMessages } from "../../../test-support/offset-inside-message.js";
import { type LocalWorker, startLocalWorker } from "../dev/local-worker.js";
import { keepAliveBelowWorkerd, tempDir } from "./helpers.js";

keepAliveBelowWorkerd();

let worker: LocalWorker;
const temp = tempDir();
beforeAll(async () => {
  worker = await startLocalWorker({ port: 0, persistTo: temp.dir });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  temp.cleanup();
});

describeOffsetsInsideMessages("Cloudflare", () => `${worker.url}/v1/stream`);
