/**
 * Creates `count` streams `<pathPrefix><n>` with PUT over `connections`
 * keep-alive connections, each sending its next request as soon as the last
 * is answered.
 */

import { formatRequest, HttpConnection } from "../http-connection.js";
import { clientArguments, emit, runClient } from "./client-protocol.js";

interface Arguments {
  readonly port: number;
  readonly pathPrefix: string;
  readonly count: number;
  readonly connections: number;
  readonly contentType: string;
}

runClient(async () => {
  const args = clientArguments<Arguments>();
  const connections = await Promise.all(
    Array.from({ length: args.connections }, () => HttpConnection.connect(args.port)),
  );
  let next = 0;
  let created = 0;
  let failed = 0;
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    connections.map(async (connection) => {
      while (next < args.count) {
        const path = `${args.pathPrefix}${next++}`;
        try {
          const response = await connection.request(
            formatRequest("PUT", path, { "Content-Type": args.contentType }, ""),
          );
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          if (response.status === 201 || response.status === 200) created++;
          else failed++;
        } catch {
          failed++;
          return;
        }
      }
    }),
  );
  const durationMs = performance.now() - started;
  for (const connection of connections) connection.close();
  emit("result", {
    created,
    failed,
    statuses,
    durationMs,
    perSecond: (created / durationMs) * 1000,
  });
});
