/**
 * Start-up recovery: a process killed mid-response leaves a journal whose
 * last entry is a `start` (see `proxy-streams.ts`). Such a response is ended
 * with the outcome `interrupted` — a session gets the `end` frame, a stream
 * of its own its closure — so a reader learns the response was cut instead
 * of waiting forever. What was acknowledged before the crash stays readable.
 */

import type { EngineContext } from "../context.js";
import { findStream } from "../lifecycle/stream-lifecycle.js";
import {
  appendData,
  appendJournal,
  dataPath,
  JOURNAL_PREFIX,
  readJournal,
  SESSION_TYPE,
} from "./proxy-streams.js";

const PAGE = 500;
const encoder = new TextEncoder();

/** Ends every response left running by a dead process; returns how many. */
export async function recoverProxyStreams(ctx: EngineContext): Promise<number> {
  let recovered = 0;
  let from = JOURNAL_PREFIX;
  for (;;) {
    const page = ctx.store.listFrom(from, JOURNAL_PREFIX, PAGE);
    for (const summary of page) {
      const id = summary.path.slice(JOURNAL_PREFIX.length);
      const data = findStream(ctx, dataPath(id));
      if (summary.softDeleted || !data || data.softDeleted) continue;
      if (summary.visibleClosed && data.visibleClosed) continue;
      if (await recoverOne(ctx, id, data.contentType)) recovered++;
    }
    if (page.length < PAGE) return recovered;
    from = `${page[page.length - 1]!.path}\u0000`;
  }
}

async function recoverOne(ctx: EngineContext, id: string, contentType: string): Promise<boolean> {
  const journal = readJournal(ctx, id);
  if (journal === null) return false;
  const last = journal.last;
  // A stream of its own whose journal has no entry died between its create
  // and its `start` line: never answered, but open; it is closed as well.
  const running = last === null ? !journal.header.session : "start" in last;
  if (journal.header.session) {
    if (!running || last === null) return false;
    const end = { type: "end", response: last.response, outcome: "interrupted" };
    await appendData(ctx, id, SESSION_TYPE, encoder.encode(JSON.stringify(end)), false);
    await appendJournal(
      ctx,
      id,
      { response: last.response, outcome: "interrupted", bytes: -1 },
      false,
    );
    return true;
  }
  if (running) {
    await appendJournal(ctx, id, { response: 1, outcome: "interrupted", bytes: -1 }, true);
  }
  // Also closes a stream whose journal was ended just before the crash.
  const data = findStream(ctx, dataPath(id));
  if (data && !data.closed) await appendData(ctx, id, contentType, null, true);
  return running;
}
