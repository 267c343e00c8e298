/**
 * Servers the AI transport tests run against — durastream on Node (SQLite in
 * a temp dir), the official `@durable-streams/server`, and the Cloudflare
 * Worker on workerd — plus a tiny fetch-style app server (the "backend" a
 * chat UI posts to) and a proxy that cuts live reads to play a flaky network.
 */

import { mkdtempSync, rmSync } from "node:fs";
import {
  type ClientRequest,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableStreamTestServer } from "@durable-streams/server";
import { startServer } from "@durastream/server";

/** A running Durable Streams server: streams live under `base`. */
export interface StreamsServer {
  readonly name: string;
  readonly base: string;
  close(): Promise<void>;
}

export async function startDurastream(): Promise<StreamsServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "durastream-ai-"));
  const server = await startServer({ port: 0, host: "127.0.0.1", dataDir });
  return {
    name: "durastream",
    base: `${server.url}/v1/stream`,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startOfficial(): Promise<StreamsServer> {
  const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", longPollTimeout: 2000 });
  const url = (await server.start()).replace(/\/+$/, "");
  return { name: "official", base: `${url}/v1/stream`, close: () => server.stop() };
}

/** Both Node servers: every transport test runs against each. */
export const STREAMS_SERVERS: ReadonlyArray<readonly [string, () => Promise<StreamsServer>]> = [
  ["durastream", startDurastream],
  ["official", startOfficial],
];

/**
 * durastream's Worker and Durable Objects on workerd (Miniflare), in memory.
 * Loaded on demand so suites that do not run it never bundle the Worker.
 */
export async function startCloudflare(): Promise<StreamsServer> {
  const { startLocalWorker } = await import("../packages/cloudflare/dev/local-worker.js");
  const { keepAliveBelowWorkerd } = await import("../packages/cloudflare/test/helpers.js");
  // workerd closes idle connections sooner than undici's default keep-alive.
  keepAliveBelowWorkerd();
  const worker = await startLocalWorker({ port: 0 });
  return { name: "cloudflare", base: `${worker.url}/v1/stream`, close: () => worker.close() };
}

/** The Node servers and the Cloudflare runtime: the behaviour suites run against all three. */
export const ALL_STREAMS_SERVERS: ReadonlyArray<readonly [string, () => Promise<StreamsServer>]> = [
  ...STREAMS_SERVERS,
  ["cloudflare", startCloudflare],
];

/** How long a suite may take to start its server (bundling the Worker takes a few seconds). */
export const SERVER_START_TIMEOUT_MS = 60_000;

/** A fetch-style handler served over node:http. */
export interface AppServer {
  readonly url: string;
  close(): Promise<void>;
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
}

export async function startApp(
  handler: (request: Request) => Promise<Response>,
): Promise<AppServer> {
  let origin = "";
  const server = createServer(async (req, res) => {
    try {
      const response = await handler(await toRequest(req, origin));
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((closed) => server.close(() => closed()));
}

/**
 * A proxy to a streams server that cuts every live (SSE / long-poll)
 * response `cutAfterMs` after its first bytes, in the middle of whatever it
 * is sending: a network that keeps dropping connections. With
 * `loseEveryNthAck`, every nth POST reaches the server but its response is
 * dropped, as when a connection breaks after the request was sent.
 */
export interface FlakyProxy {
  readonly base: string;
  /** Live responses the proxy cut, and acknowledgements it lost. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(
  base: string,
  cutAfterMs: number,
  options: { loseEveryNthAck?: number } = {},
): Promise<FlakyProxy> {
  const upstream = new URL(base);
  let cuts = 0;
  let posts = 0;
  const server = createServer((req, res) => {
    const live = /[?&]live=/.test(req.url ?? "");
    const loseAck =
      req.method === "POST" &&
      options.loseEveryNthAck !== undefined &&
      ++posts % options.loseEveryNthAck === 0;
    forwardTo(upstream, req, res, (answer) => {
      if (loseAck) {
        // The append is stored, but its acknowledgement never arrives.
        cuts++;
        answer.resume();
        res.destroy();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      let timer: NodeJS.Timeout | undefined;
      answer.on("data", (chunk: Buffer) => {
        res.write(chunk);
        if (live && timer === undefined) {
          timer = setTimeout(() => {
            cuts++;
            answer.destroy();
            res.destroy();
          }, cutAfterMs);
        }
      });
      answer.on("close", () => clearTimeout(timer));
      answer.on("end", () => res.end());
      answer.on("error", () => res.destroy());
    });
  });
  return {
    base: await listenFront(server, upstream),
    get cuts() {
      return cuts;
    },
    close: () => closeServer(server),
  };
}

let counter = 0;
/** A fresh, unique stream name. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** One request a recording front forwarded. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Record<string, string>;
}

/**
 * A front to a streams server that records every request (method, path,
 * headers) and passes it and its response through as they flow, live reads
 * included.
 */
export interface RecordingFront {
  /** Where the streams server's streams are reached through the front. */
  readonly base: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingFront(base: string): Promise<RecordingFront> {
  const upstream = new URL(base);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers[name] = value;
    }
    requests.push({ method: req.method ?? "GET", path: req.url ?? "/", headers });
    const forward = forwardTo(upstream, req, res, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    res.on("close", () => forward.destroy());
  });
  return {
    base: await listenFront(server, upstream),
    requests,
    close: () => closeServer(server),
  };
}

/** Sends `req` on to `upstream` (method, path, headers and body as they are); `onAnswer` gets its response. */
function forwardTo(
  upstream: URL,
  req: IncomingMessage,
  res: ServerResponse,
  onAnswer: (answer: IncomingMessage) => void,
): ClientRequest {
  const forward = httpRequest(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    },
    onAnswer,
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
  return forward;
}

/** Starts a front on a loopback port; resolves with `upstream`'s stream root reached through it. */
async function listenFront(server: Server, upstream: URL): Promise<string> {
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}${upstream.pathname}`;
}
