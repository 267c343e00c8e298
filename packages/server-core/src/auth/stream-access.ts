/** Which operation a stream request needs, checked against the request's access. */

import { STREAM_FORKED_FROM_HEADER } from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { forkSourcePath } from "../forks/fork-request.js";
import type { EngineRequest } from "../http/http-types.js";
import type { Access } from "./access.js";
import type { Operation } from "./token-operations.js";

const OPERATION_OF_METHOD: Readonly<Record<string, Operation>> = {
  GET: "read",
  HEAD: "read",
  PUT: "create",
  POST: "append",
  DELETE: "delete",
};

/**
 * Throws 403 unless `access` covers the stream request: its method's
 * operation on its path, and for a fork also `read` on the source.
 */
export function authorizeStreamRequest(
  ctx: EngineContext,
  request: EngineRequest,
  access: Access,
): void {
  if (access.isFull) return;
  const operation = OPERATION_OF_METHOD[request.method];
  if (operation === undefined) return; // 405 follows
  access.require(operation, request.path);
  if (request.method === "PUT") {
    const from = request.header(STREAM_FORKED_FROM_HEADER);
    if (from !== null) access.require("read", forkSourcePath(ctx, from));
  }
}
