/** Byte-wise lexicographic comparison of UTF-8 strings (Stream-Seq ordering, Section 5.2). */

const encoder = new TextEncoder();

/** Negative, zero or positive as `a` sorts before, equal to or after `b` byte-wise. */
export function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}
