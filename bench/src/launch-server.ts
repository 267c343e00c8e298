/**
 * Child-process entry that runs one server under test, so its RSS is its own.
 *
 *   node launch-server.js <kind> <port> [dataDir]
 *
 * kind: "durastream" (SQLite, durable), "official-file" (official server,
 * file-backed) or "official-memory" (official server, in-memory). Prints one
 * JSON line `{"port":N}` on stdout once listening; exits cleanly on SIGTERM.
 */

import { isServerKind, type ServerKind } from "./server-kind.js";

/** packages/server/dist/bundle/index.js, from bench/dist/. */
const SERVER_BUNDLE = new URL("../../packages/server/dist/bundle/index.js", import.meta.url).href;

interface Stoppable {
  readonly port: number;
  stop(): Promise<void>;
}

async function start(
  kind: ServerKind,
  port: number,
  dataDir: string | undefined,
): Promise<Stoppable> {
  // Set by the parent for the compressed catch-up scenario.
  const compression = process.env.BENCH_COMPRESSION === "1";
  // Set by the parent for the Yjs scenarios: documents at /v1/yjs, compacting at this many bytes.
  const yjsCompaction = Number(process.env.BENCH_YJS_COMPACTION || Number.NaN);
  // Each process loads only its own server's code (the restart figure includes loading it).
  if (kind === "durastream") {
    // The bundle `npm start` and the `durastream-server` bin run (built by `npm run bench`).
    const { startServer } = (await import(SERVER_BUNDLE)) as typeof import("@durastream/server");
    const server = await startServer({
      port,
      host: "127.0.0.1",
      dataDir,
      compression,
      ...(Number.isFinite(yjsCompaction) ? { yjsCompactionThreshold: yjsCompaction } : {}),
    });
    return { port: server.port, stop: () => server.close() };
  }
  const { DurableStreamTestServer } = await import("@durable-streams/server");
  const official = new DurableStreamTestServer({
    // With the Yjs server in front, that one takes the port.
    port: Number.isFinite(yjsCompaction) ? 0 : port,
    host: "127.0.0.1",
    ...(kind === "official-file" ? { dataDir } : {}),
    compression,
  });
  const url = await official.start();
  if (Number.isFinite(yjsCompaction)) {
    // The official Yjs server in front (it passes other routes through to the streams server).
    const { YjsServer } = await import("@durable-streams/y-durable-streams/server");
    const yjs = new YjsServer({
      port,
      host: "127.0.0.1",
      dsServerUrl: url,
      compactionThreshold: yjsCompaction,
    });
    const yjsUrl = await yjs.start();
    return {
      port: Number(new URL(yjsUrl).port),
      stop: async () => {
        await yjs.stop();
        await official.stop();
      },
    };
  }
  return { port: Number(new URL(url).port), stop: () => official.stop() };
}

async function main(): Promise<void> {
  const [kind, portArg, dataDir] = process.argv.slice(2);
  if (!kind || !isServerKind(kind) || portArg === undefined) {
    throw new Error(
      "usage: launch-server.js <durastream|official-file|official-memory> <port> [dataDir]",
    );
  }
  const server = await start(kind, Number(portArg), dataDir);
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`launch-server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
