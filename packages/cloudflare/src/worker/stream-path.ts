/**
 * Where a request goes: the stream path named by its URL, split and decoded
 * once by the same protocol functions the Node adapter uses, so a stream has
 * one canonical path (and so one object) on both runtimes.
 */

import { decodeStreamPath, parseRequestTarget, StreamPathError } from "@durastream/protocol";

/** The decoded stream path of a request URL under `basePath`, or why there is none. */
export type StreamPath =
  | { readonly kind: "stream"; readonly path: string; readonly pathname: string }
  | { readonly kind: "outside"; readonly pathname: string }
  | { readonly kind: "malformed"; readonly message: string };

/**
 * Splits the stream path off a request URL as sent (`new URL` would resolve
 * dot segments, which must reach validation and be refused).
 */
export function streamPath(url: string, basePath: string): StreamPath {
  try {
    const { pathname } = parseRequestTarget(url);
    const prefix = `${basePath.replace(/\/+$/, "")}/`;
    if (!pathname.startsWith(prefix)) return { kind: "outside", pathname };
    return { kind: "stream", path: decodeStreamPath(pathname.slice(prefix.length)), pathname };
  } catch (error) {
    if (!(error instanceof StreamPathError)) throw error;
    return { kind: "malformed", message: error.message };
  }
}
