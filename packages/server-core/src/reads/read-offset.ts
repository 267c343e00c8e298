/** The `offset` query parameter: sentinels `-1` / `now`, or a token minted by this server. */

import { decodeOffset, OFFSET_BEGINNING, OFFSET_NOW } from "@durastream/protocol";
import { badRequest } from "../http/errors.js";
import type { StreamRecord } from "../ports/store.js";

/** A parsed read offset (every stream, forks included, starts at position 0). */
export interface ReadOffset {
  /** Byte position to read from. */
  readonly position: number;
  /** The request used `offset=now`. */
  readonly now: boolean;
}

/** Resolves the request's offset against the stream; 400 when malformed or past the tail. */
export function parseReadOffset(raw: string | null, record: StreamRecord): ReadOffset {
  if (raw === null || raw === OFFSET_BEGINNING) return { position: 0, now: false };
  if (raw === OFFSET_NOW) return { position: record.visibleTail, now: true };
  const position = decodeOffset(raw);
  if (position === undefined) throw badRequest("INVALID_OFFSET", `malformed offset: ${raw}`);
  if (position > record.visibleTail) {
    throw badRequest("INVALID_OFFSET", "offset is beyond the stream's tail");
  }
  return { position, now: false };
}
