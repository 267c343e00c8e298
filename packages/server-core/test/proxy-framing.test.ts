/**
 * Session framing: whatever the chunking of an upstream body, its data
 * frames decode to exactly its bytes (text for UTF-8 split anywhere, base64
 * for the rest). Seeded property test.
 */

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { dataFrames, type SessionFrame, utf8Boundary } from "../src/index.js";

function decode(frames: readonly SessionFrame[]): number[] {
  const out: number[] = [];
  for (const frame of frames) {
    if (frame.type !== "data") continue;
    if ("text" in frame) out.push(...new TextEncoder().encode(frame.text));
    else out.push(...Buffer.from(frame.base64, "base64"));
  }
  return out;
}

/** Frames `bytes` cut at `cuts`, as the pipe does: carry in, carry out, flush at the end. */
function frameAll(bytes: Uint8Array, cuts: number[]): SessionFrame[] {
  const frames: SessionFrame[] = [];
  let carry: Uint8Array = new Uint8Array(0);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const [i, to] of [...points, bytes.length].entries()) {
    const piece = bytes.subarray(from, Math.max(from, to));
    from = Math.max(from, to);
    const input = new Uint8Array(carry.length + piece.length);
    input.set(carry);
    input.set(piece, carry.length);
    const result = dataFrames(1, input, i === points.length);
    frames.push(...result.frames);
    carry = result.carry;
  }
  return frames;
}

describe("session data frames", () => {
  test("UTF-8 split inside a character still comes out as text, exactly", () => {
    const bytes = new TextEncoder().encode("héllo ✓ 𝄞 wörld");
    const frames = frameAll(bytes, [2, 9, 10, 14, 15, 16]);
    expect(frames.every((f) => f.type === "data" && "text" in f)).toBe(true);
    expect(decode(frames)).toEqual([...bytes]);
    // A byte order mark is data: kept, not swallowed by the decoder.
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    expect(decode(frameAll(bom, []))).toEqual([...bom]);
    expect(utf8Boundary(new Uint8Array([0x61, 0xf0, 0x9d]))).toBe(1);
    expect(utf8Boundary(new Uint8Array([0x61, 0xc3, 0xa9]))).toBe(3);
  });

  test("any bytes, cut anywhere, decode to exactly the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 60 }).map((s) => new TextEncoder().encode(s)),
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        (bytes, cuts) => {
          expect(decode(frameAll(bytes, cuts))).toEqual([...bytes]);
        },
      ),
      { seed: 25, numRuns: 300 },
    );
  });
});
