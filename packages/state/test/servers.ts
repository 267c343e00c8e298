import { DurableStreamTestServer } from "@durable-streams/server";
import { startServer } from "@durastream/server";

/** A running server under test: `base` is the state layer's stream root. */
export interface TestServer {
  name: string;
  url: string;
  base: string;
  close(): Promise<void>;
}

/** durastream's own server (in memory); `secret` makes every request need a bearer token. */
export async function startDurastream(secret?: string): Promise<TestServer> {
  const server = await startServer({ port: 0, host: "127.0.0.1", memory: true, secret });
  return {
    name: "durastream",
    url: server.url,
    base: `${server.url}/v1/stream`,
    close: () => server.close(),
  };
}

async function startOfficial(): Promise<TestServer> {
  const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", longPollTimeout: 2000 });
  const url = (await server.start()).replace(/\/+$/, "");
  return { name: "official", url, base: `${url}/v1/stream`, close: () => server.stop() };
}

/**
 * The servers the integration tests run against: the official
 * `@durable-streams/server`, and durastream's own server.
 * `STATE_TEST_SERVERS=official` or `=durastream` narrows the set.
 */
export const SERVER_KINDS = (process.env.STATE_TEST_SERVERS ?? "official,durastream")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

export async function startServerOfKind(kind: string): Promise<TestServer> {
  if (kind === "official") return startOfficial();
  if (kind === "durastream") return startDurastream();
  throw new Error(`unknown server kind ${kind}`);
}

let counter = 0;
/** A fresh, unique stream path. */
export function uniquePath(prefix: string): string {
  counter++;
  return `/${prefix}/${Date.now().toString(36)}-${counter}`;
}
