/**
 * The Worker's side of the SSE fan-out: it holds the reader's SSE response
 * and relays the frames its stream's object pushes over a hibernatable
 * WebSocket. Workers are billed for CPU, not for the time a response stays
 * open, so waiting readers cost nothing here, and the object is free to
 * hibernate between appends.
 *
 * The Worker also runs the session's timers the object must not hold: the
 * connection's lifetime (`SSE_MAX_CONNECTION_MS`, closed as on Node) and the
 * keep-alive (`LONG_POLL_TIMEOUT_MS` without a frame: it asks the object for
 * a control event, which is what the Node engine's ticker sends).
 */

import type { Config } from "../config.js";
import { ACK_EVERY_BYTES, ackMessage, KEEP_ALIVE_MESSAGE } from "./relay-flow.js";

/** Headers of the upgrade answer that belong to the socket, not to the SSE response. */
const SOCKET_HEADERS = ["upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol"];

/**
 * Opens the reader's session on its object and returns its SSE response;
 * `ended` is called once, when the reader's response is over (or refused).
 */
export async function relaySse(
  request: Request,
  stub: DurableObjectStub,
  config: Config,
  ended: () => void = () => {},
): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("upgrade", "websocket");
  const answer = await stub.fetch(request.url, { method: "GET", headers });
  const socket = answer.webSocket;
  // No socket: the engine refused the read (404, 400, 401, 503...): that answer as is.
  if (!socket) {
    ended();
    return answer;
  }
  // Binary messages as ArrayBuffer (the default is Blob, which would need an await per frame).
  socket.binaryType = "arraybuffer";
  socket.accept();

  // The reader's response body: slices are written as they arrive, and the
  // bytes the reader took are acknowledged to the object, which sends no more
  // than a window ahead of them (relay-flow.ts): a slow reader holds the
  // Worker to a window plus one frame, and an event of any size gets through.
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();
  let delivered = 0;
  let finished = false;
  let keepAlive: ReturnType<typeof setTimeout> | null = null;
  const finish = () => {
    if (finished) return;
    finished = true;
    ended();
    if (keepAlive !== null) clearTimeout(keepAlive);
    clearTimeout(lifetime);
    writer.close().catch(() => {
      // The reader already went away.
    });
    try {
      socket.close(1000, "done");
    } catch {
      // Already closed by the object.
    }
  };
  // One timer, not one per frame: it fires a period after the last frame it
  // knows of and, when frames came since, waits out the rest of the period.
  let lastFrameAt = Date.now();
  const armKeepAlive = (delay: number) => {
    keepAlive = setTimeout(() => {
      if (finished) return;
      const idle = Date.now() - lastFrameAt;
      if (idle < config.longPollTimeoutMs) {
        armKeepAlive(config.longPollTimeoutMs - idle);
        return;
      }
      socket.send(KEEP_ALIVE_MESSAGE);
      lastFrameAt = Date.now();
      armKeepAlive(config.longPollTimeoutMs);
    }, delay);
  };
  const lifetime = setTimeout(finish, config.sseMaxConnectionMs);

  socket.addEventListener("message", (event) => {
    if (finished) return;
    const data = event.data;
    const frame =
      typeof data === "string"
        ? new TextEncoder().encode(data)
        : new Uint8Array(data as ArrayBuffer);
    writer.write(frame).then(() => {
      if (finished) return;
      delivered += frame.byteLength;
      if (delivered < ACK_EVERY_BYTES) return;
      try {
        socket.send(ackMessage(delivered));
        delivered = 0;
      } catch {
        finish();
      }
    }, finish);
    lastFrameAt = Date.now();
  });
  socket.addEventListener("close", finish);
  socket.addEventListener("error", finish);
  writer.closed.catch(finish);
  armKeepAlive(config.longPollTimeoutMs);

  const out = new Headers(answer.headers);
  for (const name of SOCKET_HEADERS) out.delete(name);
  return new Response(readable, { status: 200, headers: out });
}
