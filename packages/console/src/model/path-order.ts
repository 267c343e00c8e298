/**
 * The listing orders paths by the bytes of their UTF-8 encoding. That is the
 * order of their code points, which JavaScript's `<` (UTF-16 code units)
 * breaks above U+FFFF: compare code points instead.
 */
export function comparePaths(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
