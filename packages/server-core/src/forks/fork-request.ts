/**
 * Fork creation (Section 4.2), the fork's side: parses `Stream-Forked-From`,
 * `Stream-Fork-Offset` and `Stream-Fork-Sub-Offset` into what the fork asks
 * of its source. The source resolves it (`local-fork-peer.ts`).
 */

import {
  decodeOffset,
  decodeStreamPath,
  parseNonNegativeInteger,
  STREAM_FORK_OFFSET_HEADER,
  STREAM_FORK_SUB_OFFSET_HEADER,
  STREAM_FORKED_FROM_HEADER,
  StreamPathError,
} from "@durastream/protocol";
import type { EngineContext } from "../context.js";
import { badRequest } from "../http/errors.js";
import type { EngineRequest } from "../http/http-types.js";
import type { ForkRequest } from "../ports/fork-peer.js";

/** The stream-root-relative path named by `Stream-Forked-From`. */
export function forkSourcePath(ctx: EngineContext, value: string): string {
  let path = value.trim();
  const base = ctx.basePath.replace(/\/+$/, "");
  if (base !== "" && (path === base || path.startsWith(`${base}/`))) path = path.slice(base.length);
  path = path.replace(/^\/+/, "");
  // A URL path component: decoded and validated exactly as the request path it
  // names would be (so `%2F` and dot segments are refused here too).
  try {
    return decodeStreamPath(path);
  } catch (error) {
    if (!(error instanceof StreamPathError)) throw error;
    throw badRequest("INVALID_HEADER", `Stream-Forked-From: ${error.message}`);
  }
}

/**
 * The fork a PUT asks for, or null when it asks for none. Throws 400 for
 * malformed fork headers; the source checks the rest.
 */
export function parseForkRequest(ctx: EngineContext, request: EngineRequest): ForkRequest | null {
  const from = request.header(STREAM_FORKED_FROM_HEADER);
  const offsetHeader = request.header(STREAM_FORK_OFFSET_HEADER);
  const subHeader = request.header(STREAM_FORK_SUB_OFFSET_HEADER);
  if (from === null) {
    if (offsetHeader !== null || subHeader !== null) {
      throw badRequest(
        "INVALID_HEADER",
        "Stream-Fork-Offset and Stream-Fork-Sub-Offset require Stream-Forked-From",
      );
    }
    return null;
  }
  const subOffset = subHeader === null ? 0 : parseNonNegativeInteger(subHeader.trim());
  if (subOffset === undefined) {
    throw badRequest("INVALID_OFFSET", "Stream-Fork-Sub-Offset must be a non-negative integer");
  }
  let position: number | null = null;
  if (offsetHeader !== null) {
    const decoded = decodeOffset(offsetHeader.trim());
    if (decoded === undefined) {
      throw badRequest("INVALID_OFFSET", `malformed Stream-Fork-Offset: ${offsetHeader}`);
    }
    position = decoded;
  }
  return {
    sourcePath: forkSourcePath(ctx, from),
    position,
    requestedOffset: offsetHeader?.trim() ?? "",
    subOffset,
  };
}
