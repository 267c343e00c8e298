/**
 * Request bodies for appends: JSON batches are `[m1,m2,...]` of
 * pre-serialized messages and byte batches their concatenation, both
 * encoded straight into one buffer.
 */

import { DurableStreamError } from "./errors.js";

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** A message as given to `append()`. */
export type AppendBody = Uint8Array | string;

/**
 * The JSON text of one message: strings and bytes are taken as already
 * serialized JSON; any other value is serialized with `JSON.stringify`.
 */
export function jsonMessageText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return utf8.decode(value);
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new DurableStreamError(`Cannot serialize ${typeof value} as JSON`, "BAD_REQUEST", 400);
  }
  return text;
}

const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;
const NONE = -1;

/**
 * The JSON array body `[m1,m2,...]` of pre-serialized messages (strings, or
 * bytes holding UTF-8 JSON text), encoded straight into one buffer: a batch
 * of a megabyte is never joined into a string and then encoded again.
 */
export function jsonBatchBody(messages: ReadonlyArray<AppendBody>): Uint8Array<ArrayBuffer> {
  return joinEncoded(messages, OPEN_BRACKET, COMMA, CLOSE_BRACKET);
}

/** The concatenation of byte/string messages as one byte buffer. */
export function bytesBatchBody(messages: ReadonlyArray<AppendBody>): Uint8Array {
  if (messages.length === 1 && typeof messages[0] !== "string") return messages[0]!;
  return joinEncoded(messages, NONE, NONE, NONE);
}

/**
 * UTF-8 of `messages` in order, with the `separator` byte between them and
 * `open`/`close` around them (NONE for no byte). The buffer is sized for
 * ASCII text and grows when a string needs more (up to 3 bytes per UTF-16
 * unit), so a batch is not allocated at three times its size.
 */
function joinEncoded(
  messages: ReadonlyArray<AppendBody>,
  open: number,
  separator: number,
  close: number,
): Uint8Array<ArrayBuffer> {
  let capacity = 2 + messages.length;
  for (const m of messages) capacity += m.length;
  let out = new Uint8Array(capacity);
  let at = 0;
  const ensure = (bytes: number): void => {
    if (at + bytes <= out.length) return;
    const grown = new Uint8Array(Math.max(out.length * 2, at + bytes));
    grown.set(out.subarray(0, at));
    out = grown;
  };
  if (open !== NONE) out[at++] = open;
  for (let i = 0; i < messages.length; i++) {
    if (i > 0 && separator !== NONE) {
      ensure(1);
      out[at++] = separator;
    }
    const m = messages[i]!;
    if (typeof m !== "string") {
      ensure(m.length);
      out.set(m, at);
      at += m.length;
      continue;
    }
    ensure(m.length);
    let { read, written } = encoder.encodeInto(m, out.subarray(at));
    at += written;
    while (read < m.length) {
      // Not ASCII after all: room for the rest at its worst case, then carry on.
      ensure((m.length - read) * 3);
      const rest = encoder.encodeInto(m.slice(read), out.subarray(at));
      read += rest.read;
      at += rest.written;
    }
  }
  if (close !== NONE) {
    ensure(1);
    out[at++] = close;
  }
  return out.subarray(0, at);
}

/** Encodes a create body: strings as UTF-8, binary bodies unchanged, other values as JSON. */
export function createBody(body: unknown): BodyInit | undefined {
  if (body === undefined) return undefined;
  if (typeof body === "string") return encoder.encode(body);
  if (
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== "undefined" && body instanceof Blob) ||
    (typeof ReadableStream !== "undefined" && body instanceof ReadableStream) ||
    (typeof FormData !== "undefined" && body instanceof FormData) ||
    (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams)
  ) {
    return body as BodyInit;
  }
  return encoder.encode(JSON.stringify(body));
}

/** A non-JSON append value as bytes or text; anything else is a 400 `BAD_REQUEST`. */
export function toAppendBody(value: unknown): AppendBody {
  if (typeof value === "string" || value instanceof Uint8Array) return value;
  throw new DurableStreamError(
    "append() on a non-JSON stream requires a string or Uint8Array",
    "BAD_REQUEST",
    400,
  );
}

/** A streaming append body as bytes (strings UTF-8 encoded). */
export function toByteStream(
  source: ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const encode = (chunk: Uint8Array | string) =>
    typeof chunk === "string" ? encoder.encode(chunk) : chunk;
  if (source instanceof ReadableStream) {
    return source.pipeThrough(
      new TransformStream<Uint8Array | string, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(encode(chunk));
        },
      }),
    );
  }
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(encode(value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
