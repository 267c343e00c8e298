/**
 * Runs `waiters` long-poll loops (`?offset=<next>&live=long-poll`) on one
 * stream, each on its own keep-alive connection, reports "ready", then records
 * the latency of every delivered message until told "stop".
 */

import { formatRequest, HttpConnection } from "../http-connection.js";
import { clientArguments, commandReceived, emit, runClient } from "./client-protocol.js";
import { CpuMeter, DeliveryRecorder, openInWaves } from "./live-subscriber-support.js";

interface Arguments {
  readonly port: number;
  readonly path: string;
  readonly waiters: number;
  readonly connectConcurrency: number;
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const recorder = new DeliveryRecorder();
  const connections: HttpConnection[] = [];
  const statuses: Record<string, number> = {};
  let failedConnects = 0;
  let brokenLoops = 0;
  let stopping = false;

  const poll = async (connection: HttpConnection) => {
    let offset = "-1";
    let cursor: string | undefined;
    while (!stopping) {
      const query = `offset=${offset}&live=long-poll${cursor ? `&cursor=${cursor}` : ""}`;
      try {
        const response = await connection.request(formatRequest("GET", `${args.path}?${query}`));
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 200) recorder.recordText(response.body.toString("latin1"));
        else if (response.status !== 204) {
          brokenLoops++;
          return;
        }
        offset = response.headers.get("stream-next-offset") ?? offset;
        cursor = response.headers.get("stream-cursor") ?? cursor;
      } catch {
        if (!stopping) brokenLoops++;
        return;
      }
    }
  };

  const connectStarted = performance.now();
  await openInWaves(args.waiters, args.connectConcurrency, async () => {
    try {
      const connection = await HttpConnection.connect(args.port);
      connections.push(connection);
      void poll(connection);
    } catch {
      failedConnects++;
    }
  });
  emit("ready", {
    connected: connections.length,
    failed: failedConnects,
    connectMs: performance.now() - connectStarted,
  });

  const cpu = new CpuMeter();
  await commandReceived("stop");
  stopping = true;
  for (const connection of connections) connection.close();
  emit("result", {
    waiters: args.waiters,
    connected: connections.length,
    failed: failedConnects,
    brokenLoops,
    statuses,
    deliveries: recorder.deliveries,
    clientCpuPercent: cpu.percentSinceStart(),
    latency: recorder.latency.summary(),
  });
});
