/**
 * Offset codec. An offset token is the stream's byte position (in stored
 * bytes) as two fixed-width 16-digit decimal halves joined by `_`, so tokens
 * sort lexicographically in stream order, never contain `,&=?/`, and never
 * collide with the sentinels `-1` and `now`.
 *
 * The high half counts whole 10^16 units of the position; stream positions
 * stay below 2^53, so the high half is `0` in practice and exists so the
 * token width never has to change.
 */

/** Sentinel: the beginning of the stream. */
export const OFFSET_BEGINNING = "-1";
/** Sentinel: the current tail of the stream. */
export const OFFSET_NOW = "now";

const HALF = 10_000_000_000_000_000; // 10^16
const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/;

/** The token for stream byte position `position` (a safe non-negative integer). */
export function encodeOffset(position: number): string {
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new RangeError(`offset position out of range: ${position}`);
  }
  const high = Math.floor(position / HALF);
  const low = position - high * HALF;
  return `${String(high).padStart(16, "0")}_${String(low).padStart(16, "0")}`;
}

/** The byte position of an offset token, or `undefined` when the token is malformed. */
export function decodeOffset(token: string): number | undefined {
  const match = OFFSET_PATTERN.exec(token);
  if (!match) return undefined;
  const position = Number(match[1]) * HALF + Number(match[2]);
  return Number.isSafeInteger(position) ? position : undefined;
}

/** The zero offset: where every new stream starts. */
export const ZERO_OFFSET = encodeOffset(0);
