// The server the power-loss harness cuts: the built server with checkpoints
// small enough that background checkpoints, WAL restarts and the foreground
// RESTART checkpoint all happen within a short run. Prints {"url":…}.
//
//   node server-child.mjs <dataDir>

import { startServer } from "../../dist/index.js";

const server = await startServer({
  port: 0,
  dataDir: process.argv[2],
  storage: { checkpointBytes: 96 * 1024, walLimitBytes: 256 * 1024 },
  idleReleaseMs: 200,
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0));
});
