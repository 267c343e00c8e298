/**
 * The object's side of the SSE fan-out: each SSE reader's session runs in the
 * engine as on Node, but writes its frames to a hibernatable WebSocket whose
 * other end is the Worker holding the reader's HTTP response. The object
 * holds no request and no timer while readers wait, so it can hibernate
 * (no duration billed) between appends; the session's state rides on the
 * socket (`serializeAttachment`) and is resumed when the object wakes.
 */

import type {
  ByteSink,
  DurableStreamsEngine,
  EngineResponse,
  SseSessionState,
  SseStream,
} from "@durastream/server-core";

import { FLOW_WINDOW_BYTES, KEEP_ALIVE_MESSAGE, messageSlices, parseAck } from "./relay-flow.js";

export { KEEP_ALIVE_MESSAGE } from "./relay-flow.js";

/** WebSocket close code for a session that ended normally (EOF, deleted stream). */
const NORMAL_CLOSURE = 1000;
/** WebSocket close code for a session that cannot go on (state lost or too large). */
const INTERNAL_ERROR = 1011;

/**
 * Flow control of one socket: bytes sent and not yet acknowledged by the
 * Worker, and the session's wait for room. Kept in memory only: after the
 * object was evicted it starts again at zero, which at worst lets one more
 * window through.
 */
interface Flow {
  unacknowledged: number;
  drain: (() => void) | null;
}

/** The SSE sessions of one object, one per accepted socket. */
export class SocketSessions {
  readonly #ctx: DurableObjectState;
  readonly #engine: DurableStreamsEngine;
  readonly #sessions = new Map<WebSocket, SseStream>();
  readonly #flows = new Map<WebSocket, Flow>();

  constructor(ctx: DurableObjectState, engine: DurableStreamsEngine) {
    this.#ctx = ctx;
    this.#engine = engine;
  }

  /**
   * Resumes the sessions of sockets that outlived the previous instance of
   * the object (it hibernated or was evicted). Run from the constructor,
   * before the event that woke the object (an append) is handled.
   */
  restore(): void {
    for (const socket of this.#ctx.getWebSockets()) {
      const state = socket.deserializeAttachment() as SseSessionState | null;
      const holder: { session: SseStream | null } = { session: null };
      const session = state ? this.#engine.resumeSse(state, this.#sink(socket, holder)) : null;
      if (!session) {
        close(socket, state ? NORMAL_CLOSURE : INTERNAL_ERROR, "stream gone");
        continue;
      }
      holder.session = session;
      this.#sessions.set(socket, session);
      save(socket, session);
    }
  }

  /** Serves an SSE response over a new hibernatable socket (the Worker's upgrade request). */
  open(response: EngineResponse, session: SseStream): Response {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    this.#ctx.acceptWebSocket(server);
    this.#sessions.set(server, session);
    session.start(this.#sink(server, { session }));
    return new Response(null, { status: 101, webSocket: client, headers: response.headers });
  }

  /**
   * A message from the Worker: the reader's connection is idle (send a
   * keep-alive), or bytes reached the reader (release the session if it
   * waits for room).
   */
  message(socket: WebSocket, message: string | ArrayBuffer): void {
    if (typeof message !== "string") return;
    if (message === KEEP_ALIVE_MESSAGE) {
      this.#sessions.get(socket)?.keepAlive();
      return;
    }
    const acknowledged = parseAck(message);
    const flow = this.#flows.get(socket);
    if (acknowledged === null || !flow) return;
    flow.unacknowledged = Math.max(0, flow.unacknowledged - acknowledged);
    if (flow.unacknowledged < FLOW_WINDOW_BYTES && flow.drain) {
      const drain = flow.drain;
      flow.drain = null;
      drain();
    }
  }

  /** The Worker closed the socket (the reader left, or its connection's lifetime ended). */
  closed(socket: WebSocket): void {
    const session = this.#sessions.get(socket);
    this.#sessions.delete(socket);
    this.#flows.delete(socket);
    session?.cancel();
    close(socket, NORMAL_CLOSURE, "closed");
  }

  /** Number of sessions (for tests and metrics). */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * A sink that sends each frame as binary messages of at most
   * `MAX_MESSAGE_BYTES` and saves the session's state after it. A frame is
   * always sent whole, whatever its size; the sink reports a full buffer once
   * a window's worth is unacknowledged, and the session waits for the
   * Worker's acknowledgement to go on (`relay-flow.ts`).
   */
  #sink(socket: WebSocket, holder: { session: SseStream | null }): ByteSink {
    const flow: Flow = { unacknowledged: 0, drain: null };
    this.#flows.set(socket, flow);
    return {
      write: (frame) => {
        for (const slice of messageSlices(frame)) socket.send(slice);
        flow.unacknowledged += frame.byteLength;
        if (holder.session) save(socket, holder.session);
        return flow.unacknowledged < FLOW_WINDOW_BYTES;
      },
      onDrain: (callback) => {
        if (flow.unacknowledged < FLOW_WINDOW_BYTES) callback();
        else flow.drain = callback;
      },
      end: () => {
        this.#sessions.delete(socket);
        this.#flows.delete(socket);
        close(socket, NORMAL_CLOSURE, "end");
      },
    };
  }
}

/** Keeps the session's state on the socket (it survives hibernation; at most 2 KB). */
function save(socket: WebSocket, session: SseStream): void {
  try {
    socket.serializeAttachment(session.state());
  } catch {
    session.cancel();
    close(socket, INTERNAL_ERROR, "session state too large");
  }
}

function close(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closed.
  }
}
