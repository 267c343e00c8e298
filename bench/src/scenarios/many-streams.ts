/**
 * Scenario 7: 100,000 streams — creation rate (PUT over 64 connections),
 * resident memory once they are all idle, and time from restart (SIGTERM,
 * start again on the same data dir) to the first served request.
 */

import { config } from "../bench-config.js";
import { runClientToResult } from "../client-process.js";
import { sleep } from "../clients/client-protocol.js";
import { bound, type Scenario, type ServerRun } from "../scenario.js";
import { isDurable, SERVER_KINDS } from "../server-kind.js";
import { ServerProcess } from "../server-process.js";
import { headStatus } from "../stream-setup.js";

const PREFIX = "/v1/stream/bench/idle-";

/** Milliseconds from spawning the server until a HEAD of `path` answers 200. */
async function restartToFirstServedRequest(
  previous: ServerProcess,
  path: string,
): Promise<{ ms: number; server: ServerProcess | undefined }> {
  const started = performance.now();
  const starting = ServerProcess.start({
    kind: previous.kind,
    dataDir: previous.dataDir,
    port: previous.port,
    profileTag: "restart",
  });
  starting.catch(() => undefined);
  while (performance.now() - started < config.manyStreams.restartTimeoutMs) {
    if ((await headStatus(previous.port, path)) === 200) {
      return { ms: performance.now() - started, server: await starting };
    }
    await sleep(2);
  }
  return { ms: Number.NaN, server: await starting.catch(() => undefined) };
}

export const manyStreams: Scenario = {
  id: "many-streams",
  title: `${config.manyStreams.count.toLocaleString("en-US")} streams: creation (PUT, ${config.manyStreams.connections} connections), idle RSS, restart`,
  servers: SERVER_KINDS,
  metrics: [
    { key: "createdPerSecond", label: "creates/s", decimals: 0, ratio: true },
    { key: "failedCreates", label: "failed creates", decimals: 0 },
    { key: "idleRssMegabytes", label: "RSS all idle MB", decimals: 1, ratio: true },
    { key: "restartMs", label: "restart → first HEAD ms", decimals: 0, ratio: true },
  ],
  timeoutMs: 240_000,
  async run({ kind, startServer }) {
    const server = await startServer();
    const notes: string[] = [];
    const created = await runClientToResult(
      "stream-creator",
      {
        port: server.port,
        pathPrefix: PREFIX,
        count: config.manyStreams.count,
        connections: config.manyStreams.connections,
        contentType: "application/json",
      },
      200_000,
    );
    const failedCreates = Number(created.failed);
    if (failedCreates > 0)
      notes.push(`${failedCreates} creates failed: ${JSON.stringify(created.statuses)}`);
    await sleep(config.manyStreams.idleSettleMs);
    const idleRssMegabytes = server.memory().rssBytes / 1e6;

    let restartMs: number | { text: string } = { text: "n/a (in-memory)" };
    const restartDetails: Record<string, unknown> = {};
    if (isDurable(kind)) {
      const { graceful } = await server.terminate();
      restartDetails.gracefulShutdown = graceful;
      if (!graceful) notes.push("did not shut down cleanly on SIGTERM within 10 s");
      const lastPath = `${PREFIX}${config.manyStreams.count - 1}`;
      const restarted = await restartToFirstServedRequest(server, lastPath);
      restartMs = Number.isNaN(restarted.ms) ? { text: "no answer" } : restarted.ms;
      if (restarted.server) {
        restartDetails.restartedPeakRssBytes = restarted.server.memory().peakRssBytes;
        await restarted.server.terminate();
      }
    }
    const run: ServerRun = {
      values: {
        createdPerSecond: Number(created.perSecond),
        failedCreates,
        idleRssMegabytes,
        restartMs,
      },
      details: { creator: created, ...restartDetails },
      notes,
    };
    return run;
  },
  targets: (values) => ({
    createdPerSecond: bound(values, "createdPerSecond", "≥", 25_000, "/s"),
    idleRssMegabytes: bound(values, "idleRssMegabytes", "≤", 100, " MB"),
    restartMs: bound(values, "restartMs", "≤", 300, " ms"),
  }),
};
