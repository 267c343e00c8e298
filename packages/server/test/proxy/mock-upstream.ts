/**
 * Local upstreams for the proxy tests, on a random port: an SSE LLM-like
 * endpoint, an echo, failing, redirecting, slow, hanging and huge ones, and
 * responses a test writes by hand.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A response a test drives chunk by chunk. */
export interface Controlled {
  write(text: string | Uint8Array): void;
  end(): void;
  /** Resolves when the proxy's request arrived. */
  readonly arrived: Promise<void>;
  /** Resolves when the proxy dropped the connection. */
  readonly closed: Promise<void>;
}

/** The running mock. */
export interface MockUpstream {
  readonly url: string;
  /** Headers of every request received, in order. */
  readonly requests: { path: string; method: string; headers: IncomingMessage["headers"] }[];
  /** The response for the next request to `/controlled/<name>`. */
  controlled(name: string): Controlled;
  close(): Promise<void>;
}

/** The `i`-th token event of `/sse`. */
export function sseEvent(i: number): string {
  return `data: {"choices":[{"delta":{"content":"word${i} "}}]}\n\n`;
}

/** `n` deterministic pseudo-random bytes (the `/huge` body). */
export function hugeBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startMockUpstream(): Promise<MockUpstream> {
  const requests: MockUpstream["requests"] = [];
  const pending = new Map<string, { res: (r: ServerResponse, req: IncomingMessage) => void }>();
  const open = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    requests.push({ path: url.pathname, method: req.method ?? "", headers: req.headers });
    open.add(res);
    res.once("close", () => open.delete(res));
    const q = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    const route = url.pathname;
    if (route === "/sse") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < q("n", 20); i++) {
        if (res.destroyed) return;
        res.write(sseEvent(i));
        await sleep(q("delay", 5));
      }
      res.end("data: [DONE]\n\n");
    } else if (route === "/echo") {
      res.writeHead(200, { "content-type": "application/json" });
      // Everything but the credential, which the tests look for in storage and logs.
      const { authorization: _credential, ...headers } = req.headers;
      res.end(JSON.stringify({ method: req.method, headers, body }));
    } else if (route === "/fail") {
      res.writeHead(q("status", 500), { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "upstream says no" }));
    } else if (route === "/fail-big") {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("x".repeat(200 * 1024));
    } else if (route === "/redirect") {
      res.writeHead(302, { location: "/sse" });
      res.end();
    } else if (route === "/slow-headers") {
      // Never answers; the connection is closed by the proxy's timeout or by close().
    } else if (route === "/huge") {
      const bytes = hugeBytes(q("bytes", 1024 * 1024));
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let at = 0; at < bytes.length; at += 64 * 1024) {
        if (res.destroyed) return;
        if (!res.write(bytes.subarray(at, at + 64 * 1024))) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off("drain", done).off("close", done);
              resolve();
            };
            res.on("drain", done).on("close", done);
          });
        }
      }
      res.end();
    } else if (route.startsWith("/controlled/")) {
      const entry = pending.get(route.slice("/controlled/".length));
      if (!entry) {
        res.writeHead(404).end();
        return;
      }
      entry.res(res, req);
    } else {
      res.writeHead(404).end();
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    controlled(name) {
      let resolveArrived!: () => void;
      let resolveClosed!: () => void;
      const arrived = new Promise<void>((resolve) => {
        resolveArrived = resolve;
      });
      const closed = new Promise<void>((resolve) => {
        resolveClosed = resolve;
      });
      let response: ServerResponse | undefined;
      const queued: (string | Uint8Array | null)[] = [];
      pending.set(name, {
        res: (res) => {
          pending.delete(name);
          response = res;
          res.once("close", resolveClosed);
          res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
          res.flushHeaders();
          for (const item of queued) item === null ? res.end() : res.write(item);
          resolveArrived();
        },
      });
      return {
        write: (text) => (response ? response.write(text) : queued.push(text)),
        end: () => (response ? response.end() : queued.push(null)),
        arrived,
        closed,
      } as Controlled;
    },
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
