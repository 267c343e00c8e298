/** Closed / expiry / fork badges of a stream. */

import type { ListedStream } from "@durastream/client";
import { formatDuration, formatTime } from "./format.js";

export function Badges({ stream }: { stream: ListedStream }) {
  return (
    <span class="badges">
      {stream.closed && <span class="badge closed">closed</span>}
      {stream.expiresAt !== null && (
        <span class="badge expiry" title={`expires ${formatTime(stream.expiresAt)}`}>
          {stream.ttlSeconds !== null ? `TTL ${formatDuration(stream.ttlSeconds)}` : "expires"}
        </span>
      )}
      {stream.expiresAt === null && stream.ttlSeconds !== null && (
        <span class="badge expiry">TTL {formatDuration(stream.ttlSeconds)}</span>
      )}
      {stream.forkedFrom !== null && (
        <span
          class="badge fork"
          title={`fork of ${stream.forkedFrom.path} at ${stream.forkedFrom.offset}`}
        >
          fork of {stream.forkedFrom.path}
        </span>
      )}
    </span>
  );
}
