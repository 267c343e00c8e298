/**
 * A loopback HTTP proxy that injects faults in front of a real server:
 * 503s (with Retry-After), connections dropped before or after the upstream
 * handled the request, response bodies cut mid-stream, and delays.
 */

import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
  | { kind: "pass" }
  | { kind: "status"; status: number; retryAfter?: string }
  /** Close the client connection without contacting upstream (once `after` settles, if given). */
  | { kind: "drop-before"; after?: Promise<unknown> }
  /** Forward the request, let upstream handle it, then drop the client connection (response lost). */
  | { kind: "drop-after" }
  /** Forward the response but cut the connection after `afterBytes` body bytes. */
  | { kind: "cut-body"; afterBytes: number }
  /**
   * Delay the response head by `ms` (and until `until` settles, if given) and
   * every body chunk by `chunkMs`.
   */
  | { kind: "delay"; ms: number; chunkMs?: number; until?: Promise<unknown> };

/** Called when upstream answered a forwarded request, before any fault applies to the answer. */
export type UpstreamAnswered = (req: IncomingMessage, answer: IncomingMessage) => void;

export interface FaultProxy {
  url: string;
  /** Requests seen, with the fault applied. */
  log: Array<{ method: string; path: string; fault: Fault["kind"] }>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (an origin); `decide` picks the fault of each request. */
export async function startFaultProxy(
  target: string,
  decide: (req: IncomingMessage, index: number) => Fault,
  onUpstreamAnswer?: UpstreamAnswered,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const log: FaultProxy["log"] = [];
  let index = 0;
  const server: Server = createServer((req, res) => {
    const fault = decide(req, index++);
    log.push({ method: req.method ?? "GET", path: req.url ?? "/", fault: fault.kind });
    if (fault.kind === "drop-before") {
      if (fault.after) void fault.after.finally(() => req.socket.destroy());
      else req.socket.destroy();
      return;
    }
    if (fault.kind === "status") {
      req.resume();
      const headers: Record<string, string> = { "content-type": "text/plain" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      res.writeHead(fault.status, headers);
      res.end("injected fault");
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      async (up) => {
        onUpstreamAnswer?.(req, up);
        if (fault.kind === "drop-after") {
          up.resume();
          up.on("end", () => req.socket.destroy());
          return;
        }
        if (fault.kind === "delay") {
          await sleep(fault.ms);
          await fault.until;
        }
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
        res.flushHeaders();
        let sent = 0;
        let cut = false;
        // Writes are chained so a delayed chunk never overtakes the end of the response.
        let chain: Promise<void> = Promise.resolve();
        up.on("data", (chunk: Buffer) => {
          chain = chain.then(async () => {
            if (cut) return;
            if (fault.kind === "cut-body" && sent + chunk.length > fault.afterBytes) {
              cut = true;
              const keep = Math.max(0, fault.afterBytes - sent);
              if (keep > 0) res.write(chunk.subarray(0, keep));
              up.destroy();
              setTimeout(() => req.socket.destroy(), 5);
              return;
            }
            sent += chunk.length;
            if (fault.kind === "delay" && fault.chunkMs) await sleep(fault.chunkMs);
            res.write(chunk);
          });
        });
        up.on("end", () => {
          chain = chain.then(() => {
            if (!cut) res.end();
          });
        });
        up.on("error", () => req.socket.destroy());
      },
    );
    forward.on("error", () => req.socket.destroy());
    res.on("close", () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
