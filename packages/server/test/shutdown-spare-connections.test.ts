/**
 * Closing the server does not wait for connections that carry no request: a
 * client's spare connection (undici opens them ahead of use) or one that sent
 * only part of a request head. node:http calls a connection idle only after a
 * response, so before the fix these held `close()` for the whole grace period.
 */

import type { Socket } from "node:net";
import { expect, test } from "vitest";
import { openSocket } from "../../../test-support/raw-http.js";
import { startTestServer, testCleanups } from "./helpers.js";

const cleanups = testCleanups();
const GRACE_MS = 20_000;

/** Resolves when the server ends `socket`. */
function endedByServer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on("error", () => undefined);
    socket.once("close", () => resolve());
    socket.resume();
  });
}

test("close() shuts connections that never sent a request, or sent half a head, at once", async () => {
  const server = await startTestServer({
    dataDir: cleanups.tempDir(),
    shutdownGraceMs: GRACE_MS,
  });
  const spare = await openSocket(server.url);
  const halfHead = await openSocket(server.url);
  halfHead.write("GET /v1/stream/x HTTP/1.1\r\nHost: x\r\n");
  // A connection with a finished request, kept alive: node:http's own idle case.
  const used = await openSocket(server.url);
  used.write("HEAD /v1/stream/none HTTP/1.1\r\nHost: x\r\n\r\n");
  await new Promise((resolve) => used.once("data", resolve));
  const ends = [spare, halfHead, used].map(endedByServer);

  const closing = server.close();
  const closedWithinGrace = await Promise.race([
    closing.then(() => true),
    new Promise((resolve) => setTimeout(() => resolve(false), GRACE_MS / 2)),
  ]);
  expect(closedWithinGrace).toBe(true);
  await Promise.all(ends);
}, 30_000);
