/**
 * The opaque cursor of a stream listing: the last path a page covered, as
 * base64url of its UTF-8 bytes. A page resumes strictly after it, so pages
 * never repeat or skip a stream that exists throughout, whatever is created
 * or deleted meanwhile.
 */

import { decodeBase64, encodeBase64 } from "@durastream/protocol";
import { badRequest } from "../http/errors.js";

const encoder = new TextEncoder();
// `ignoreBOM` spelled out: the Workers runtime types require it (the value is the default).
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Longest accepted cursor (a path is at most 1024 UTF-16 units, 3 bytes each). */
const MAX_CURSOR_LENGTH = 4200;

/** The cursor that resumes after `path`. */
export function encodeListingCursor(path: string): string {
  return encodeBase64(encoder.encode(path))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The path a cursor resumes after; 400 when it is not one this server issued. */
export function decodeListingCursor(cursor: string): string {
  if (cursor === "" || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw badRequest("BAD_REQUEST", "invalid listing cursor");
  }
  const padded = cursor.replaceAll("-", "+").replaceAll("_", "/");
  try {
    return decoder.decode(decodeBase64(padded + "=".repeat((4 - (padded.length % 4)) % 4)));
  } catch {
    throw badRequest("BAD_REQUEST", "invalid listing cursor");
  }
}
