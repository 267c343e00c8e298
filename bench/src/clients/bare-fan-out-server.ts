/**
 * The kernel's cost of a fan-out, as a server: a raw `node:net` server that
 * speaks just enough HTTP/1.1 for the fan-out clients (PUT answers 201, SSE
 * GETs get a chunked `text/event-stream` head, long-poll GETs at the tail are
 * held, POST appends). Each POST is encoded once into one buffer, then written
 * with one `socket.write` to every subscriber (SSE) or held waiter
 * (long-poll), before the writer gets its 204. The fan-out scenarios measure
 * it with the same clients and writer as the real servers, so their p99 can
 * be read as a ratio to this one's.
 *
 * Reports {"event":"ready","port":N}; exits on "stop" after {"event":"result"}.
 */

import { createServer, type Socket } from "node:net";
import { commandReceived, emit, runClient } from "./client-protocol.js";

const HEAD_END = Buffer.from("\r\n\r\n");

interface Request {
  readonly method: string;
  readonly target: string;
  readonly body: Buffer;
}

/** Splits requests off a socket's bytes; returns what is left over. */
function takeRequests(input: Buffer, onRequest: (request: Request) => void): Buffer {
  let rest = input;
  for (;;) {
    const headEnd = rest.indexOf(HEAD_END);
    if (headEnd < 0) return rest;
    const head = rest.toString("latin1", 0, headEnd);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const bodyStart = headEnd + HEAD_END.length;
    if (rest.length < bodyStart + length) return rest;
    const [method = "", target = ""] = head.slice(0, head.indexOf("\r\n")).split(" ");
    onRequest({ method, target, body: rest.subarray(bodyStart, bodyStart + length) });
    rest = rest.subarray(bodyStart + length);
  }
}

function offsetOf(target: string): number {
  const value = /[?&]offset=([^&]*)/.exec(target)?.[1];
  return value === undefined || value === "-1" ? 0 : Number(value);
}

runClient(async () => {
  const messages: string[] = [];
  const sseSubscribers = new Set<Socket>();
  /** Long-poll waiters held at the tail (their offset is `messages.length`). */
  let waiters: Socket[] = [];
  let writes = 0;

  const longPollResponse = (from: number): Buffer => {
    const body = `[${messages.slice(from).join(",")}]`;
    return Buffer.from(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nstream-next-offset: ${messages.length}\r\n\r\n${body}`,
    );
  };

  const handle = (socket: Socket, request: Request) => {
    if (request.method === "PUT") {
      socket.write("HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n");
    } else if (request.method === "GET" && request.target.includes("live=sse")) {
      socket.write(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n",
      );
      sseSubscribers.add(socket);
    } else if (request.method === "GET") {
      const offset = offsetOf(request.target);
      if (offset < messages.length) socket.write(longPollResponse(offset));
      else waiters.push(socket);
    } else if (request.method === "POST") {
      messages.push(request.body.toString("utf8"));
      const event = `event: data\ndata:[${messages[messages.length - 1]}]\n\n`;
      // Encoded once: every subscriber gets the same bytes.
      const sseFrame = Buffer.from(`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`);
      for (const subscriber of sseSubscribers) {
        subscriber.write(sseFrame);
        writes++;
      }
      if (waiters.length > 0) {
        const response = longPollResponse(messages.length - 1);
        const held = waiters;
        waiters = [];
        for (const waiter of held) {
          waiter.write(response);
          writes++;
        }
      }
      socket.write(`HTTP/1.1 204 No Content\r\nstream-next-offset: ${messages.length}\r\n\r\n`);
    } else {
      socket.write("HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n");
    }
  };

  const server = createServer({ noDelay: true }, (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (data: Buffer) => {
      pending = takeRequests(
        pending.length === 0 ? data : Buffer.concat([pending, data]),
        (request) => handle(socket, request),
      );
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      sseSubscribers.delete(socket);
      waiters = waiters.filter((waiter) => waiter !== socket);
    });
  });
  server.listen(0, "127.0.0.1", 65535);
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const address = server.address();
  emit("ready", { port: typeof address === "object" && address ? address.port : 0 });
  await commandReceived("stop");
  emit("result", { messages: messages.length, writes });
  server.close();
  for (const socket of sseSubscribers) socket.destroy();
  for (const socket of waiters) socket.destroy();
});
