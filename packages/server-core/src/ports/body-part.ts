/**
 * Body parts: the bytes a store hands out and a response carries, in memory
 * or read only when written. A port type (stores produce them, responses
 * consume them), so it sits below both.
 */

/**
 * Bytes of known length read only when written: a stored chunk a catch-up
 * response streams from disk one piece at a time, so a large read neither
 * holds its whole body in memory nor waits for all of it before sending.
 */
export interface LazyBytes {
  readonly length: number;
  /** Reads the bytes; throws when they are gone (the stream was deleted meanwhile). */
  load(): Uint8Array;
}

/** One piece of a fixed-length body: bytes in memory, or bytes to read when written. */
export type BodyPart = Uint8Array | LazyBytes;

/** The bytes of a body part, reading them if needed. */
export function loadPart(part: BodyPart): Uint8Array {
  return part instanceof Uint8Array ? part : part.load();
}

/** Concatenates body parts into one buffer (one copy), reading stored ones. */
export function concatParts(parts: readonly BodyPart[]): Uint8Array {
  if (parts.length === 1) return loadPart(parts[0]!);
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(loadPart(part), at);
    at += part.length;
  }
  return out;
}

/** `[from, to)` of a body part, without reading it. */
export function slicePart(part: BodyPart, from: number, to: number): BodyPart {
  if (from === 0 && to === part.length) return part;
  if (part instanceof Uint8Array) return part.subarray(from, to);
  return { length: to - from, load: () => part.load().subarray(from, to) };
}
