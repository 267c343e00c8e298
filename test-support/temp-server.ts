/**
 * durastream's server, in process, for the suites of other packages (the
 * server's own suite starts it from its sources): a random loopback port,
 * SQLite in a fresh temp dir, and `stop` that closes it and removes the dir.
 */

import { type RunningServer, type ServerOptions, startServer } from "@durastream/server";
import { tempDir } from "./temp-dir.js";

/** A running temp server and its stream root. */
export interface TempServer {
  readonly server: RunningServer;
  /** Origin, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The stream root, `${url}/v1/stream`. */
  readonly root: string;
  stop(): Promise<void>;
}

/** Starts a server with its own temp data dir (`options` may override anything). */
export async function startTempServer(
  options: ServerOptions = {},
  prefix = "durastream-test-",
): Promise<TempServer> {
  const { dir, cleanup } = tempDir(prefix);
  const server = await startServer({ port: 0, host: "127.0.0.1", dataDir: dir, ...options });
  return {
    server,
    url: server.url,
    root: `${server.url}/v1/stream`,
    stop: async () => {
      await server.close();
      cleanup();
    },
  };
}
