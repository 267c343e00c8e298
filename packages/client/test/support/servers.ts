/**
 * The servers the client suite runs against. Each entry starts a real server
 * on a random loopback port; streams live under `${url}/v1/stream/`.
 */

import { DurableStreamTestServer } from "@durable-streams/server";
import { startTempServer } from "../../../../test-support/temp-server.js";

export interface RunningServer {
  /** Origin, e.g. http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

export interface ServerImpl {
  name: string;
  /** Whether the server implements forks (Section 4.2). */
  forks: boolean;
  start(): Promise<RunningServer>;
}

const official: ServerImpl = {
  name: "official @durable-streams/server",
  forks: true,
  async start() {
    const server = new DurableStreamTestServer({
      port: 0,
      host: "127.0.0.1",
      longPollTimeout: 3_000,
    });
    const url = await server.start();
    return { url, close: () => server.stop() };
  },
};

const durastream: ServerImpl = {
  name: "durastream",
  forks: true,
  async start() {
    const { url, stop } = await startTempServer({}, "durastream-client-test-");
    return { url, close: stop };
  },
};

/**
 * Every server implementation the suite runs against: durastream (imported,
 * never optionally loaded, so a broken server package fails the run instead
 * of quietly narrowing it to the official server) and the official one.
 */
export const servers: ServerImpl[] = [durastream, official];

/** The official server, for tests that need one specific peer. */
export const officialServer = official;

let counter = 0;

/** A fresh stream URL on `server`. */
export function streamUrl(server: RunningServer, prefix = "s"): string {
  counter++;
  return `${server.url}/v1/stream/${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export { eventually } from "../../../../test-support/eventually.js";
