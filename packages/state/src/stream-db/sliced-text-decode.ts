/**
 * Decodes a response body (UTF-8 bytes) to text in slices. A catch-up page is
 * up to several megabytes, and one `TextDecoder.decode` of all of it holds the
 * event loop for tens of milliseconds on a slow device; here it is decoded
 * {@link SLICE_BYTES} at a time, with a yield whenever a slice's time budget
 * is spent.
 *
 * @module
 */
import { now, yieldToEventLoop } from "./yield-to-event-loop.js";

/** Bytes decoded by one `decode` call (well under a millisecond of work). */
const SLICE_BYTES = 256 * 1024;

/**
 * The text of `bytes`, continuing `decoder`'s stream (a multi-byte character
 * cut at the end of one body completes with the next).
 */
export async function decodeSliced(
  decoder: TextDecoder,
  bytes: Uint8Array,
  budgetMs: number,
): Promise<string> {
  if (bytes.length <= SLICE_BYTES) return decoder.decode(bytes, { stream: true });
  const parts: string[] = [];
  let sliceStart = now();
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
    // `stream: true` keeps a character split between two slices whole.
    parts.push(decoder.decode(bytes.subarray(at, at + SLICE_BYTES), { stream: true }));
    if (now() - sliceStart >= budgetMs) {
      await yieldToEventLoop();
      sliceStart = now();
    }
  }
  return parts.join("");
}
