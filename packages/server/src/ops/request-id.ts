/**
 * Request ids for log lines: the client's `x-request-id` when it is a sane
 * token, otherwise one made up on first use (only requests that are logged
 * or failed ever need one).
 */

import { randomUUID } from "node:crypto";
import type { EngineRequest } from "@durastream/server-core";

const ids = new WeakMap<EngineRequest, string>();
const SANE = /^[\w.:-]{1,128}$/;

/** The id of `request`, the same on every call. */
export function requestId(request: EngineRequest): string {
  let id = ids.get(request);
  if (id === undefined) {
    const given = request.header("x-request-id");
    id = given !== null && SANE.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}
