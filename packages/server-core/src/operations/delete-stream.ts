/** DELETE: remove a stream, or soft-delete it while forks reference it (Section 5.4). */

import type { EngineContext } from "../context.js";
import type { EngineRequest, EngineResponse } from "../http/http-types.js";
import { requireStream, retire } from "../lifecycle/stream-lifecycle.js";

/** Handles DELETE on a stream path. */
export async function deleteStream(
  ctx: EngineContext,
  request: EngineRequest,
): Promise<EngineResponse> {
  const record = requireStream(ctx, request.path);
  await retire(ctx, record, "deleted");
  return { status: 204, headers: {}, body: null };
}
