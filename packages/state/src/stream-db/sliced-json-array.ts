/**
 * Parses the body of a JSON-mode read (a JSON array of messages) in slices.
 * `JSON.parse` of a multi-megabyte catch-up page holds the event loop for as
 * long as it runs; here the text is cut at top-level element boundaries into
 * pieces of about {@link PIECE_CHARS} characters, each parsed natively, with a
 * yield whenever a slice's time budget is spent.
 *
 * @module
 */
import { now, yieldToEventLoop } from "./yield-to-event-loop.js";

/** Characters parsed by one `JSON.parse` call (about 1-3 ms of work). */
const PIECE_CHARS = 128 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The messages of `text`: the elements of a top-level JSON array, or the value
 * itself when it is not an array. Invalid JSON throws like `JSON.parse`.
 */
export async function parseJsonArraySliced(text: string, budgetMs: number): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const piece of jsonArrayPieces(text, budgetMs)) pushAll(items, piece);
  return items;
}

/**
 * The messages of `text` in consecutive pieces of about {@link PIECE_CHARS}
 * characters, so a consumer can apply each piece before the next is parsed
 * (few parsed messages alive at once: they die young, cheap to collect).
 */
export async function* jsonArrayPieces(text: string, budgetMs: number): AsyncGenerator<unknown[]> {
  const body = text.trim();
  if (body === "") return;
  if (body.length <= PIECE_CHARS || body.charCodeAt(0) !== OPEN_BRACKET) {
    const parsed: unknown = JSON.parse(body);
    yield Array.isArray(parsed) ? parsed : [parsed];
    return;
  }
  let sliceStart = now();
  let pieceStart = 1; // just after "["
  let depth = 0;
  let inString = false;
  const last = body.length - 1; // the closing "]"
  for (let i = 1; i < last; i++) {
    const c = body.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (c === COMMA && depth === 0 && i - pieceStart >= PIECE_CHARS) {
      yield JSON.parse(`[${body.slice(pieceStart, i)}]`) as unknown[];
      pieceStart = i + 1;
      if (now() - sliceStart >= budgetMs) {
        await yieldToEventLoop();
        sliceStart = now();
      }
    }
  }
  if (body.charCodeAt(last) !== CLOSE_BRACKET) JSON.parse(body); // throws the precise error
  yield JSON.parse(`[${body.slice(pieceStart, last)}]`) as unknown[];
}

function pushAll(target: unknown[], source: unknown[]): void {
  for (const item of source) target.push(item);
}
