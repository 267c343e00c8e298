/**
 * Request bodies for appends: JSON batches are `[m1,m2,...]` built by string
 * concatenation of pre-serialized messages; byte batches are copied into one
 * buffer.
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

/** The JSON array body of pre-serialized messages. */
export function jsonBatchBody(messages: ReadonlyArray<string>): string {
  return messages.length === 1 ? `[${messages[0]}]` : `[${messages.join(",")}]`;
}

/** The concatenation of byte/string messages as one byte buffer. */
export function bytesBatchBody(messages: ReadonlyArray<AppendBody>): Uint8Array {
  let allStrings = true;
  let allBytes = true;
  for (const m of messages) {
    if (typeof m === "string") allBytes = false;
    else allStrings = false;
  }
  if (allStrings) return encoder.encode((messages as string[]).join(""));
  const parts = allBytes
    ? (messages as Uint8Array[])
    : messages.map((m) => (typeof m === "string" ? encoder.encode(m) : m));
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
