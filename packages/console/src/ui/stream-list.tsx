/**
 * The stream list: prefix search, pages loaded as one scrolls, and the pages
 * on screen re-read every few seconds (polling the listing extension: new
 * streams appear, deleted and expired ones go away).
 */

import type { ListedStream } from "@durastream/client";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Connection } from "../model/connection.js";
import { describeError } from "../model/connection.js";
import { useFrameThrottled } from "../model/observable.js";
import { StreamListing } from "../model/stream-listing.js";
import { Badges } from "./badges.js";
import { formatBytes, formatCount } from "./format.js";
import { streamHref } from "./routes.js";
import { VirtualList } from "./virtual-list.js";

/** How often the streams on screen are re-read. */
export const POLL_MS = 3_000;
const ROW_HEIGHT = 58;
const SEARCH_DELAY_MS = 150;

export function StreamList(props: {
  connection: Connection;
  selected: string | null;
  authEpoch: number;
}) {
  const { connection, selected, authEpoch } = props;
  const [typed, setTyped] = useState("");
  const [prefix, setPrefix] = useState("");
  // One listing request once typing pauses, not one per keystroke.
  useEffect(() => {
    const timer = setTimeout(() => setPrefix(typed), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  // authEpoch: a new token reloads the list.
  const listing = useMemo(
    () => new StreamListing(connection, prefix),
    [connection, prefix, authEpoch],
  );
  useFrameThrottled(listing.changes);
  const range = useRef<[number, number]>([0, 0]);

  useEffect(() => {
    void listing.loadMore();
    const timer = setInterval(() => {
      if (document.visibilityState === "hidden") return;
      void listing.refresh(range.current[0], range.current[1]);
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      listing.dispose();
    };
  }, [listing]);

  const onRange = useCallback(
    (first: number, last: number) => {
      range.current = [first, last];
      if (last >= listing.streams.length - 20 && listing.hasMore) void listing.loadMore();
    },
    [listing],
  );

  const streams = listing.streams;
  const renderRow = (index: number) => {
    const stream = streams[index] as ListedStream;
    return <StreamRow stream={stream} current={stream.path === selected} />;
  };

  return (
    <section class="stream-list" aria-labelledby="streams-heading">
      <div class="list-head">
        <h2 id="streams-heading">Streams</h2>
        {listing.settled && listing.error === null && (
          <span class="muted" id="stream-count" aria-live="polite">
            {formatCount(streams.length)}
            {listing.hasMore ? "+" : ""} {streams.length === 1 ? "stream" : "streams"}
          </span>
        )}
      </div>
      <div class="search">
        <label for="prefix">Path prefix</label>
        <input
          id="prefix"
          type="search"
          placeholder="e.g. chat/"
          value={typed}
          autoComplete="off"
          spellcheck={false}
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
      </div>
      {listing.error !== null && (
        <p class="error" role="alert">
          {describeError(listing.error)}
        </p>
      )}
      {streams.length === 0 && listing.settled && !listing.loading && listing.error === null && (
        <p class="empty">
          {prefix === "" ? "No streams yet." : `No stream path starts with “${prefix}”.`}
        </p>
      )}
      <VirtualList
        id="stream-rows"
        label="Streams"
        count={streams.length}
        rowHeight={ROW_HEIGHT}
        renderRow={renderRow}
        onRange={onRange}
      />
    </section>
  );
}

function StreamRow({ stream, current }: { stream: ListedStream; current: boolean }) {
  return (
    <a
      class="stream-row"
      href={streamHref(stream.path)}
      aria-current={current ? "page" : undefined}
      data-path={stream.path}
    >
      <span class="path">{stream.path}</span>
      <span class="meta">
        <span class="ctype">{stream.contentType}</span>
        <span class="size">{formatBytes(stream.bytes)}</span>
        <Badges stream={stream} />
      </span>
    </a>
  );
}
