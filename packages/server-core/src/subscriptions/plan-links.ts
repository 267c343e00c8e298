/**
 * The links a new subscription starts with (Section 6.2): its explicit
 * streams, and the existing streams its pattern matches (backfill from the
 * stream store's indexed listing), all at their current tail so no history is replayed.
 */

import type { StreamLink, SubscriptionConfig } from "../ports/subscription-types.js";
import type { WatchedStreams } from "../ports/watched-streams.js";
import { pathSuccessor } from "../storage/path-order.js";
import { SubscriptionError } from "./errors.js";
import { globMatches, literalPrefix } from "./glob.js";

const PAGE = 1000;

/** What planning reads: the stream listing, a stream's tail, and the link limit. */
export interface LinkPlanning {
  readonly store: Pick<WatchedStreams, "listFrom">;
  /** Most links one subscription may have. */
  readonly maxLinks: number;
  /** Where a new link of `path` starts (its tail; 0 for a stream that does not exist). */
  tail(path: string): number;
}

/** Every link of subscription `id` by path; refused whole when over the link limit. */
export function planLinks(
  subs: LinkPlanning,
  id: string,
  config: SubscriptionConfig,
): Map<string, StreamLink> {
  const limit = subs.maxLinks;
  const planned = new Map<string, StreamLink>();
  const link = (path: string, explicit: boolean): StreamLink => ({
    subscriptionId: id,
    path,
    explicit,
    glob: !explicit,
    acked: subs.tail(path),
  });
  for (const path of config.streams) {
    if (path === config.wakeStream) {
      throw new SubscriptionError(
        400,
        "BAD_REQUEST",
        "a subscription cannot link its own wake stream",
      );
    }
    planned.set(path, link(path, true));
  }
  if (config.pattern !== null) {
    const prefix = literalPrefix(config.pattern);
    let from = prefix;
    for (;;) {
      const page = subs.store.listFrom(from, prefix, PAGE);
      for (const { path, softDeleted } of page) {
        if (softDeleted) continue;
        // Never its own wake stream: each wake event would wake it again.
        if (path === config.wakeStream || !globMatches(config.pattern, path)) continue;
        const existing = planned.get(path);
        if (existing) existing.glob = true;
        else planned.set(path, link(path, false));
        if (planned.size > limit) break;
      }
      if (page.length < PAGE || planned.size > limit) break;
      from = pathSuccessor(page[page.length - 1]!.path);
    }
  }
  if (planned.size > limit) {
    throw new SubscriptionError(
      400,
      "LIMIT_EXCEEDED",
      `a subscription links at most ${limit} streams`,
    );
  }
  return planned;
}
