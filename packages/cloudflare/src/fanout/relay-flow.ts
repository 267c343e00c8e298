/**
 * The little protocol on the socket between a stream's object and the Worker
 * that holds an SSE reader's response, and the numbers that bound it.
 *
 * Object → Worker: binary messages, slices of SSE frames in order. The Worker
 * writes them to the reader's response as they come; slices of one frame
 * concatenate back into it, so no reassembly is needed.
 *
 * Worker → object: text messages. `keep-alive` asks for a control event on an
 * idle connection; `ack:<n>` says `n` more bytes reached the reader's response
 * (its writer resolved). The object keeps at most `FLOW_WINDOW_BYTES` sent and
 * not yet acknowledged before it pauses the session, so what the Worker holds
 * for a slow reader is bounded by the window plus one frame, whatever the
 * event's size, and nothing is ever refused for being large.
 */

/** What the Worker sends when the reader's connection has been idle for the keep-alive period. */
export const KEEP_ALIVE_MESSAGE = "keep-alive";

/** Prefix of an acknowledgement: `ack:` then a decimal byte count. */
const ACK_PREFIX = "ack:";

/**
 * Largest binary message the object sends. workerd closes a socket that
 * receives a message over 1 MiB (code 1009), so frames are sliced well below it.
 */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Bytes sent and not yet acknowledged past which the object pauses the session. */
export const FLOW_WINDOW_BYTES = 1024 * 1024;

/**
 * The Worker acknowledges once this many bytes reached the reader: a quarter
 * of the window, so the object is released long before it would stall and
 * acknowledgements (each one wakes the object) stay rare.
 */
export const ACK_EVERY_BYTES = FLOW_WINDOW_BYTES / 4;

/** The acknowledgement of `bytes` delivered bytes. */
export function ackMessage(bytes: number): string {
  return `${ACK_PREFIX}${bytes}`;
}

/** The byte count of an acknowledgement, or null when `message` is not one. */
export function parseAck(message: string): number | null {
  if (!message.startsWith(ACK_PREFIX)) return null;
  const bytes = Number(message.slice(ACK_PREFIX.length));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** `frame` cut into views of at most `MAX_MESSAGE_BYTES` (no copies). */
export function* messageSlices(frame: Uint8Array): Generator<Uint8Array> {
  for (let start = 0; start < frame.byteLength; start += MAX_MESSAGE_BYTES) {
    yield frame.subarray(start, Math.min(start + MAX_MESSAGE_BYTES, frame.byteLength));
  }
}
