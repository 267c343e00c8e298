/**
 * JSON-mode framing (Section 9.1). A JSON stream stores each message as its
 * JSON text followed by one `,` (whitespace a sender put around array
 * elements is kept), so a read of any message-aligned byte range becomes a
 * response body by wrapping it in `[` `]` and dropping the final comma: no
 * parse and no re-serialisation on the read path.
 */

import { scanJson } from "./json-scan.js";

const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A JSON request body turned into stored message bytes. */
export interface FramedJson {
  /** `m1,m2,…,` — each message followed by a comma. */
  readonly bytes: Uint8Array;
  /** Number of messages. */
  readonly count: number;
}

/** Why a JSON body was refused. */
export type JsonFramingError = "invalid-json" | "empty-array";

/**
 * Validates a JSON body and frames it for storage, flattening one level of a
 * top-level array. An empty body or `[]` yields zero messages when
 * `allowEmpty` (stream creation), and `empty-array` otherwise (appends).
 * The body is consumed: the stored form is usually a view of it with one
 * byte rewritten (the closing `]` becomes the trailing comma), not a copy.
 */
export function frameJsonBody(
  body: Uint8Array,
  allowEmpty: boolean,
): FramedJson | JsonFramingError {
  const scan = scanJson(body);
  if (scan === undefined) {
    return allowEmpty && isBlank(body) ? { bytes: new Uint8Array(0), count: 0 } : "invalid-json";
  }
  const { start, end, arrayLength } = scan;
  if (arrayLength === -1) return { bytes: withTrailingComma(body, start, end), count: 1 };
  if (arrayLength === 0) {
    return allowEmpty ? { bytes: new Uint8Array(0), count: 0 } : "empty-array";
  }
  // The elements are stored as sent, separators and all: `[m1, m2]` becomes
  // `m1, m2,`. Whitespace between elements is still valid JSON once wrapped
  // in brackets again, and depth-0 commas still separate messages.
  body[end - 1] = COMMA;
  return { bytes: body.subarray(start + 1, end), count: arrayLength };
}

/** `body[start, end)` followed by a comma: in place when a byte after `end` is free. */
function withTrailingComma(body: Uint8Array, start: number, end: number): Uint8Array {
  if (end < body.length) {
    body[end] = COMMA; // trailing whitespace, not part of the value
    return body.subarray(start, end + 1);
  }
  const out = new Uint8Array(end - start + 1);
  out.set(body.subarray(start, end));
  out[out.length - 1] = COMMA;
  return out;
}

/** Whether a body is empty or only whitespace (after an optional byte order mark). */
function isBlank(body: Uint8Array): boolean {
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  for (; i < body.length; i++) {
    const b = body[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  }
  return true;
}

/** Wraps stored message bytes (`m1,m2,`) as the JSON array body `[m1,m2]`. */
export function jsonArrayBody(stored: Uint8Array): Uint8Array {
  if (stored.length === 0) return new Uint8Array([OPEN_BRACKET, CLOSE_BRACKET]);
  const out = new Uint8Array(stored.length + 1);
  out[0] = OPEN_BRACKET;
  out.set(stored.subarray(0, stored.length - 1), 1);
  out[out.length - 1] = CLOSE_BRACKET;
  return out;
}

/**
 * Where the last message of `stored` that is not yet complete starts: the
 * byte after its last top-level comma, or 0 when it has none. `stored` must
 * start at a message boundary; when it ends with a comma (on a boundary), its
 * length is returned. Rounds an offset inside a stored JSON message down to
 * that message's start.
 */
export function storedJsonMessageStart(stored: Uint8Array): number {
  let start = 0;
  forEachTopLevelComma(stored, (index) => {
    start = index + 1;
    return true;
  });
  return start;
}

/**
 * The byte length of the first `messages` stored messages of `stored`, or
 * `undefined` when it holds fewer. Used to resolve JSON fork sub-offsets.
 */
export function storedJsonPrefixLength(stored: Uint8Array, messages: number): number | undefined {
  if (messages === 0) return 0;
  let seen = 0;
  let length: number | undefined;
  forEachTopLevelComma(stored, (index) => {
    seen++;
    if (seen < messages) return true;
    length = index + 1;
    return false;
  });
  return length;
}

/**
 * Calls `visit` with the index of each comma of `stored` outside strings,
 * arrays and objects (the separators the stored form puts after every
 * message), in order, until `visit` returns false.
 */
function forEachTopLevelComma(stored: Uint8Array, visit: (index: number) => boolean): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < stored.length; i++) {
    const b = stored[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) depth++;
    else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
    else if (b === COMMA && depth === 0 && !visit(i)) return;
  }
}
