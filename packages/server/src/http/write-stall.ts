/**
 * Resets connections whose client stopped taking response bytes. The
 * server honours backpressure, so a reader that stops reading costs no heap,
 * but its socket, its file descriptor and a kernel send buffer full of
 * unread data (megabytes per socket) stay held for as long as the client
 * likes. A connection with bytes queued and none taken for `timeoutMs` is
 * reset: the reset also drops what the kernel still holds for it. A live
 * reader cut off this way resumes from the last offset it processed.
 *
 * A sweep rather than a timer per write: writes happen on many paths
 * (catch-up parts, SSE frames, errors), and one pass over open connections
 * every fraction of the timeout costs less than arming timers on each.
 */

import type { Socket } from "node:net";

interface Watched {
  /** Bytes whose writes completed, at the last sweep with data queued. */
  written: number;
  /** Bytes libuv still held for the kernel then (it shrinks as a large write goes out). */
  handleQueue: number;
  /** When the socket was first seen queued without progress; 0 while it progresses. */
  stalledSince: number;
}

/** node:net's handle: libuv's live count of bytes queued for the kernel. */
interface HandleInternals {
  readonly _handle?: { readonly writeQueueSize?: number } | null;
}

/** Tracks open connections and resets the ones stalled on writes. */
export class WriteStallWatch {
  readonly #sockets = new Map<Socket, Watched>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly timeoutMs: number,
    private readonly onReset: (socket: Socket) => void = () => {},
  ) {
    const every = Math.min(5_000, Math.max(10, Math.floor(timeoutMs / 4)));
    this.#timer = setInterval(() => this.#sweep(), every);
    this.#timer.unref();
  }

  /** Watches `socket` until it closes. */
  watch(socket: Socket): void {
    this.#sockets.set(socket, { written: 0, handleQueue: 0, stalledSince: 0 });
    socket.once("close", () => this.#sockets.delete(socket));
  }

  /** Stops sweeping (sockets are left as they are). */
  stop(): void {
    clearInterval(this.#timer);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [socket, watched] of this.#sockets) {
      if (socket.destroyed) continue;
      if (socket.writableLength === 0) {
        watched.stalledSince = 0;
        continue;
      }
      // Progress is a write completing, or the kernel taking part of a large
      // one (libuv's queue shrinks byte by byte; a completed write only moves
      // once the whole buffer is out, a 64 MiB append at a time).
      const written = socket.bytesWritten - socket.writableLength;
      const handleQueue = (socket as unknown as HandleInternals)._handle?.writeQueueSize ?? 0;
      if (
        watched.stalledSince === 0 ||
        written !== watched.written ||
        handleQueue < watched.handleQueue
      ) {
        watched.written = written;
        watched.handleQueue = handleQueue;
        watched.stalledSince = now;
        continue;
      }
      watched.handleQueue = handleQueue;
      if (now - watched.stalledSince >= this.timeoutMs) {
        this.#sockets.delete(socket);
        this.onReset(socket);
        socket.resetAndDestroy();
      }
    }
  }
}
