/**
 * The node:http server with the Node runtime's connection limits and guards:
 * timeouts, header size, connection cap, write stalls, JSON answers to what
 * the parser refuses, `Expect` handling. What a request does is `onRequest`'s.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import { answerClientErrors } from "./client-error.js";
import { refuseExpectation } from "./expect-continue.js";
import type { ServerLimits } from "./limits.js";
import { WriteStallWatch } from "./write-stall.js";

/** A node:http server and the watch that resets stalled connections (stop it on close). */
export interface NodeServer {
  readonly http: Server;
  readonly writeStalls: WriteStallWatch;
  /** Every open connection (closing shuts those with no request in progress). */
  readonly sockets: ReadonlySet<Socket>;
}

/** Creates (does not start) the server. */
export function createNodeServer(
  limits: ServerLimits,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  logger: Logger,
): NodeServer {
  const http = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Answered by `refuseRequestHead` with a JSON body rather than node:http's empty 400.
      requireHostHeader: false,
      // How often node:http looks for requests past their timeouts (its default is 30 s,
      // which would stretch a 10 s headers timeout to 40).
      connectionsCheckingInterval: Math.min(
        1_000,
        Math.max(10, Math.floor(limits.headersTimeoutMs / 4)),
      ),
    },
    onRequest,
  );
  // `Expect: 100-continue` requests go through the same handler; the adapter
  // sends the 100 only once the engine reads the body, so a refused upload
  // (401, 404, 413, 503) is refused before its body is sent.
  http.on("checkContinue", onRequest);
  http.on("checkExpectation", refuseExpectation);
  http.maxConnections = limits.maxConnections;
  // No cap of node:http's own (it drops fields past it): `refuseRequestHead` refuses instead.
  http.maxHeadersCount = 0;
  http.on("drop", () => logger.debug("closed a connection over --max-connections"));
  const writeStalls = new WriteStallWatch(limits.writeTimeoutMs, () =>
    logger.debug("reset a connection whose client stopped reading"),
  );
  const sockets = new Set<Socket>();
  http.on("connection", (socket: Socket) => {
    writeStalls.watch(socket);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  answerClientErrors(http, (error) =>
    logger.debug({ err: error }, "malformed or timed-out request"),
  );
  return { http, writeStalls, sockets };
}

/** Starts listening; resolves with the server's base URL (`http://host:port`). */
export async function listen(http: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${hostForUrl}:${address.port}`;
}

/**
 * Stops accepting, calls `stopped` (to end what keeps connections busy, such
 * as live reads), and closes connections as their last responses finish;
 * whatever is still busy after `graceMs` is cut. Resolves once all are closed.
 */
export async function closeConnections(
  { http, sockets }: NodeServer,
  graceMs: number,
  stopped: () => void,
): Promise<void> {
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  stopped();
  // Connections turn idle as their last responses finish: close them as they do,
  // and cut whatever is still busy after the grace period.
  const closeIdle = () => {
    http.closeIdleConnections();
    // node:http counts a connection as idle only after a response; one that
    // never sent a request (a client's spare connection) would hold the close
    // for the whole grace period. A socket without a response has no request
    // in progress: at most part of a head, which the client sends again.
    for (const socket of sockets) {
      if ((socket as { _httpMessage?: unknown })._httpMessage == null) socket.destroy();
    }
  };
  const reaper = setInterval(closeIdle, 25);
  const deadline = setTimeout(() => http.closeAllConnections(), graceMs);
  closeIdle();
  await closed;
  clearInterval(reaper);
  clearTimeout(deadline);
}
