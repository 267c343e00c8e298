/**
 * A validating JSON scanner over UTF-8 bytes (RFC 8259). It accepts exactly
 * what `JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))`
 * accepts, but builds no values and no string: JSON-mode appends only need
 * to know that a body is valid and where its top-level value (and the
 * elements of a top-level array) lie, and a 1 MiB producer batch would
 * otherwise become ten thousand objects for the garbage collector.
 */

/** Where the top-level value of a valid JSON text lies. */
export interface JsonScan {
  /** First byte of the value (after a byte order mark and whitespace). */
  readonly start: number;
  /** One past its last byte (trailing whitespace excluded). */
  readonly end: number;
  /** Number of elements when the value is an array, else -1. */
  readonly arrayLength: number;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** Marks a failed scan; positions are never negative. */
const INVALID = -1;

function skipWhitespace(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

function isHex(c: number | undefined): boolean {
  return (
    c !== undefined &&
    ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
  );
}

function isContinuation(c: number | undefined): boolean {
  return c !== undefined && (c & 0xc0) === 0x80;
}

/** Length of the well-formed UTF-8 sequence at `i` (lead byte >= 0x80), or INVALID. */
function utf8Sequence(b: Uint8Array, i: number): number {
  const c = b[i]!;
  const c1 = b[i + 1];
  if (c >= 0xc2 && c <= 0xdf) return isContinuation(c1) ? 2 : INVALID;
  if (c >= 0xe0 && c <= 0xef) {
    if (c1 === undefined) return INVALID;
    // No overlong forms (E0 A0..), no UTF-16 surrogates (ED ..9F).
    const low = c === 0xe0 ? 0xa0 : 0x80;
    const high = c === 0xed ? 0x9f : 0xbf;
    if (c1 < low || c1 > high) return INVALID;
    return isContinuation(b[i + 2]) ? 3 : INVALID;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (c1 === undefined) return INVALID;
    // No overlong forms (F0 90..), nothing past U+10FFFF (F4 ..8F).
    const low = c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xf4 ? 0x8f : 0xbf;
    if (c1 < low || c1 > high) return INVALID;
    return isContinuation(b[i + 2]) && isContinuation(b[i + 3]) ? 4 : INVALID;
  }
  return INVALID;
}

/** 1 for bytes a string may hold as they are: printable ASCII but `"` and `\\`. */
const PLAIN = new Uint8Array(256);
for (let c = SPACE; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

/** End of the string starting at the quote at `i`, or INVALID. */
function scanString(b: Uint8Array, i: number): number {
  i++;
  for (;;) {
    while (PLAIN[b[i]!] === 1) i++;
    const c = b[i];
    if (c === undefined) return INVALID;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const e = b[i + 1];
      if (e === 0x75) {
        if (!isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) {
          return INVALID;
        }
        i += 6;
      } else if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        i += 2;
      } else {
        return INVALID;
      }
    } else if (c < 0x80) {
      return INVALID; // a control character
    } else {
      const length = utf8Sequence(b, i);
      if (length === INVALID) return INVALID;
      i += length;
    }
  }
}

/** End of the number starting at `i`, or INVALID. */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return INVALID;
  if (b[i] === DOT) {
    i++;
    if (!isDigit(b[i])) return INVALID;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    if (!isDigit(b[i])) return INVALID;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function scanLiteral(b: Uint8Array, i: number, literal: readonly number[]): number {
  for (let k = 0; k < literal.length; k++) if (b[i + k] !== literal[k]) return INVALID;
  return i + literal.length;
}

/** End of the object key (string, whitespace, colon) at `i`, or INVALID. */
function scanKey(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return INVALID;
  i = scanString(b, i);
  if (i === INVALID) return INVALID;
  i = skipWhitespace(b, i);
  return b[i] === COLON ? i + 1 : INVALID;
}

/** Scans `bytes` as one JSON text; undefined when it is not valid JSON. */
export function scanJson(bytes: Uint8Array): JsonScan | undefined {
  const b = bytes;
  let i = 0;
  // A byte order mark is ignored, as TextDecoder does (RFC 8259 allows it).
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  i = skipWhitespace(b, i);
  const start = i;
  const topIsArray = b[i] === OPEN_BRACKET;
  let arrayLength = 0;
  // Open containers, innermost last.
  const stack: number[] = [];
  for (;;) {
    // A value is expected at `i`.
    i = skipWhitespace(b, i);
    const c = b[i];
    if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      i = skipWhitespace(b, i + 1);
      const close = c === OPEN_BRACKET ? CLOSE_BRACKET : CLOSE_BRACE;
      if (b[i] !== close) {
        stack.push(c);
        if (c === OPEN_BRACE) {
          i = scanKey(b, i);
          if (i === INVALID) return undefined;
        }
        continue;
      }
      i++; // an empty container is a complete value
    } else if (c === QUOTE) {
      i = scanString(b, i);
    } else if (c === MINUS || isDigit(c)) {
      i = scanNumber(b, i);
    } else if (c === 0x74) {
      i = scanLiteral(b, i, TRUE);
    } else if (c === 0x66) {
      i = scanLiteral(b, i, FALSE);
    } else if (c === 0x6e) {
      i = scanLiteral(b, i, NULL);
    } else {
      return undefined;
    }
    if (i === INVALID) return undefined;
    // A value is complete: close containers, or find where the next value goes.
    for (;;) {
      if (stack.length === 1 && topIsArray) arrayLength++;
      i = skipWhitespace(b, i);
      if (stack.length === 0) {
        if (i !== b.length) return undefined;
        let end = i;
        while (end > start) {
          const last = b[end - 1];
          if (last !== SPACE && last !== LF && last !== CR && last !== TAB) break;
          end--;
        }
        return { start, end, arrayLength: topIsArray ? arrayLength : -1 };
      }
      const top = stack[stack.length - 1];
      const d = b[i];
      if (d === COMMA) {
        i++;
        if (top === OPEN_BRACE) {
          i = scanKey(b, skipWhitespace(b, i));
          if (i === INVALID) return undefined;
        }
        break; // the next value
      }
      if (
        (d === CLOSE_BRACKET && top === OPEN_BRACKET) ||
        (d === CLOSE_BRACE && top === OPEN_BRACE)
      ) {
        stack.pop();
        i++;
        continue; // the container is a complete value
      }
      return undefined;
    }
  }
}
