/** The `offset` query parameter: sentinels `-1` / `now`, or a token minted by this server. */

import {
  decodeOffset,
  encodeOffset,
  OFFSET_BEGINNING,
  OFFSET_NOW,
  STREAM_EARLIEST_OFFSET_HEADER,
} from "@durastream/protocol";
import { badRequest, ProtocolError } from "../http/errors.js";
import type { StreamRecord } from "../ports/store.js";

/** A parsed read offset (every stream, forks included, starts at position 0). */
export interface ReadOffset {
  /** Byte position to read from. */
  readonly position: number;
  /** The request used `offset=now`. */
  readonly now: boolean;
}

/** Resolves the request's offset against the stream; 400 when malformed, 410 before the earliest. */
export function parseReadOffset(raw: string | null, record: StreamRecord): ReadOffset {
  // The beginning is the earliest retained offset (0 unless retention trimmed the stream).
  if (raw === null || raw === OFFSET_BEGINNING) return { position: record.earliest, now: false };
  if (raw === OFFSET_NOW) return { position: record.visibleTail, now: true };
  const position = decodeOffset(raw);
  if (position === undefined) throw badRequest("INVALID_OFFSET", `malformed offset: ${raw}`);
  // Past the tail: read at the tail, as the official server does (it returns
  // every message that ends past the offset: none yet). The official Yjs
  // server reads from its snapshot's offset plus one, past the tail until
  // the next update arrives.
  if (position > record.visibleTail) return { position: record.visibleTail, now: false };
  if (position < record.earliest) {
    throw new ProtocolError(
      410,
      "OFFSET_GONE",
      `offset is before the earliest retained offset ${encodeOffset(record.earliest)}`,
      { [STREAM_EARLIEST_OFFSET_HEADER]: encodeOffset(record.earliest) },
    );
  }
  return { position, now: false };
}
