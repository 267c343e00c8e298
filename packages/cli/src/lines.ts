/** Splits a byte stream into lines. */

const NEWLINE = 0x0a;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Yields the lines of `source` as bytes, each with its `\n` terminator; a last
 * line without one is yielded as is. Concatenating the lines gives back the
 * input byte for byte.
 */
export async function* splitLines(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let rest: Uint8Array = new Uint8Array(0);
  for await (const piece of source) {
    const bytes = typeof piece === "string" ? encoder.encode(piece) : piece;
    let start = 0;
    for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, start)) {
      yield concat(rest, bytes.subarray(start, i + 1));
      rest = new Uint8Array(0);
      start = i + 1;
    }
    if (start < bytes.length) rest = concat(rest, bytes.slice(start));
  }
  if (rest.length > 0) yield rest;
}
