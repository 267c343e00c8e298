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
  /** A fork whose source was deleted (404 or 410): its link would lead nowhere. */
  readonly forkSourceGone: boolean;
}

/** Whether the stream at `path` is gone (deleted, 410, or never there, 404). */
async function isGone(connection: Connection, path: string): Promise<boolean> {
  try {
    return !(await connection.handle(path).head()).exists;
  } catch (error) {
    return (error as { status?: number }).status === 410;
  }
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
  const forkSourceGone = listed?.forkedFrom
    ? await isGone(connection, listed.forkedFrom.path)
    : false;
  return { head, listed, forkSourceGone };
}
