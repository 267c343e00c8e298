/**
 * Checks of a request head node:http parsed but would let through, made
 * before any handler runs: a head with more fields than `maxHeaderCount`
 * (node:http's own cap is lifted, since it drops the fields past it instead
 * of refusing), and an HTTP/1.1 request without `Host` (node:http's own
 * answer to it is a bare 400 without a body).
 */

import type { IncomingMessage } from "node:http";
import type { EngineResponse } from "@durastream/server-core";
import { jsonError, withConnectionClose } from "./json-responses.js";

/** The refusal of a request head, or null when it may be handled. */
export function refuseRequestHead(
  req: IncomingMessage,
  maxHeaderCount: number,
): EngineResponse | null {
  // rawHeaders lists name, value, name, value, …: every field as received.
  const fields = req.rawHeaders.length / 2;
  if (fields > maxHeaderCount) {
    return withConnectionClose(
      jsonError(
        431,
        "HEADERS_TOO_LARGE",
        `request has ${fields} header fields; at most ${maxHeaderCount} are accepted`,
      ),
    );
  }
  if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
    return withConnectionClose(
      jsonError(400, "BAD_REQUEST", "an HTTP/1.1 request needs a Host header"),
    );
  }
  return null;
}
