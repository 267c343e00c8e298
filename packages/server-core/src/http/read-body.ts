/** Collects a request body into one buffer, enforcing the size limit. */

import { ProtocolError } from "./errors.js";
import type { EngineRequest } from "./http-types.js";

const EMPTY = new Uint8Array(0);

function tooLarge(limit: number): ProtocolError {
  return new ProtocolError(413, "PAYLOAD_TOO_LARGE", `request body exceeds ${limit} bytes`);
}

/** The whole body (empty when absent); 413 as soon as it exceeds `limit`. */
export async function readBody(request: EngineRequest, limit: number): Promise<Uint8Array> {
  const declared = request.header("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  const body = request.body;
  if (body === null) return EMPTY;
  if (body instanceof Uint8Array) {
    if (body.length > limit) throw tooLarge(limit);
    return body;
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of body) {
    total += part.length;
    if (total > limit) throw tooLarge(limit);
    parts.push(part);
  }
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
