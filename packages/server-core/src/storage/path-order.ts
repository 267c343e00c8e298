/**
 * Stream paths in byte order (the order of their UTF-8 bytes, which is also
 * SQLite's BINARY collation), compared without encoding them.
 */

/**
 * Negative, zero or positive as `a` sorts before, equal to or after `b` in
 * UTF-8 byte order. UTF-16 code units sort like code points except that
 * surrogates (U+D800–DFFF, the halves of astral characters) must come after
 * U+E000–FFFF; only the first differing unit needs that correction.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return byteRank(x) - byteRank(y);
  }
  return a.length - b.length;
}

function byteRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * The smallest path that sorts after `path`: `path` followed by U+0000.
 * Valid stream paths never contain control characters, so nothing lies between.
 */
export function pathSuccessor(path: string): string {
  return `${path}\u0000`;
}

/** Largest number of paths in one block of a `SortedPaths` before it splits. */
const BLOCK_SIZE = 512;

/**
 * A set of paths kept in byte order: sorted blocks of at most `BLOCK_SIZE`
 * paths, so an insert or delete moves a few hundred entries rather than all
 * of them, and a scan from any path starts with two binary searches.
 */
export class SortedPaths {
  readonly #blocks: string[][] = [];

  get size(): number {
    let n = 0;
    for (const block of this.#blocks) n += block.length;
    return n;
  }

  /** Adds `path` (no-op when present). */
  add(path: string): void {
    const blocks = this.#blocks;
    if (blocks.length === 0) {
      blocks.push([path]);
      return;
    }
    const b = Math.max(0, this.#blockFor(path));
    const block = blocks[b]!;
    const i = lowerBound(block, path);
    if (i < block.length && block[i] === path) return;
    block.splice(i, 0, path);
    if (block.length > BLOCK_SIZE) blocks.splice(b + 1, 0, block.splice(BLOCK_SIZE >> 1));
  }

  /** Removes `path` (no-op when absent). */
  delete(path: string): void {
    const b = this.#blockFor(path);
    if (b < 0) return;
    const block = this.#blocks[b]!;
    const i = lowerBound(block, path);
    if (block[i] !== path) return;
    block.splice(i, 1);
    if (block.length === 0) this.#blocks.splice(b, 1);
  }

  /** Paths at or after `from`, in order; the set must not change while iterating. */
  *from(from: string): Generator<string> {
    const blocks = this.#blocks;
    let b = Math.max(0, this.#blockFor(from));
    let i = b < blocks.length ? lowerBound(blocks[b]!, from) : 0;
    for (; b < blocks.length; b++, i = 0) {
      const block = blocks[b]!;
      for (; i < block.length; i++) yield block[i]!;
    }
  }

  /** Index of the last block whose first path is at or before `path`; -1 when none. */
  #blockFor(path: string): number {
    const blocks = this.#blocks;
    let lo = 0;
    let hi = blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePaths(blocks[mid]![0]!, path) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }
}

/** First index in sorted `block` whose path is at or after `path`. */
function lowerBound(block: readonly string[], path: string): number {
  let lo = 0;
  let hi = block.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePaths(block[mid]!, path) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
