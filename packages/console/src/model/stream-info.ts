/**
 * What the console shows about one stream: its HEAD metadata (the protocol)
 * and its listing entry (creation time, size, expiry, fork source).
 */

import { type HeadResult, type ListedStream, listStreams } from "@durastream/client";
import type { Connection } from "./connection.js";

export interface StreamInfo {
  readonly head: HeadResult;
  /** The listing's entry, when the server has the listing extension. */
  readonly listed: ListedStream | null;
}

export async function loadStreamInfo(connection: Connection, path: string): Promise<StreamInfo> {
  const head = await connection.handle(path).head();
  let listed: ListedStream | null = null;
  if (head.exists) {
    const pages = listStreams({
      url: connection.streamRoot,
      prefix: path,
      limit: 1,
      fetch: connection.auth.fetch,
    });
    for await (const page of pages) {
      listed = page.streams.find((s) => s.path === path) ?? null;
      break;
    }
  }
  return { head, listed };
}
