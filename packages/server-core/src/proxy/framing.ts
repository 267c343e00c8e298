/**
 * Framing of session streams (several upstream responses in one stream).
 * A session stream is a JSON stream (`application/json`) of frames:
 *
 * - `{"type":"start","response":n,"upstreamContentType":"…"}` opens response n;
 * - `{"type":"data","response":n,"text":"…"}` or `{…,"base64":"…"}` carries its
 *   bytes in order (text for valid UTF-8, base64 for anything else), so the
 *   concatenated decoded data is exactly the upstream body;
 * - `{"type":"end","response":n,"outcome":"complete"}` ends it (see `outcome.ts`).
 *
 * A reader knows a response ended at its `end` frame, without closure.
 * A stream without a session holds the upstream bytes as they are.
 */

import type { ProxyOutcome } from "./outcome.js";

/** One frame of a session stream. */
export type SessionFrame =
  | { readonly type: "start"; readonly response: number; readonly upstreamContentType: string }
  | { readonly type: "data"; readonly response: number; readonly text: string }
  | { readonly type: "data"; readonly response: number; readonly base64: string }
  | { readonly type: "end"; readonly response: number; readonly outcome: ProxyOutcome };

// `ignoreBOM`: a leading byte order mark is data here, kept like any other bytes.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Data frames of `bytes`, carrying a trailing incomplete UTF-8 sequence over
 * to the next call (`carry` in, the new carry out). At the end (`final`) the
 * carry goes out as base64.
 */
export function dataFrames(
  response: number,
  bytes: Uint8Array,
  final: boolean,
): { frames: SessionFrame[]; carry: Uint8Array } {
  const cut = final ? bytes.length : utf8Boundary(bytes);
  const whole = bytes.subarray(0, cut);
  const frames: SessionFrame[] = [];
  if (whole.length > 0) {
    let text: string | null = null;
    try {
      text = strictUtf8.decode(whole);
    } catch {
      text = null;
    }
    frames.push(
      text === null
        ? { type: "data", response, base64: toBase64(whole) }
        : { type: "data", response, text },
    );
  }
  return { frames, carry: bytes.slice(cut) };
}

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
export function utf8Boundary(bytes: Uint8Array): number {
  const length = bytes.length;
  // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = bytes[length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? length - back : length;
  }
  return length;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
