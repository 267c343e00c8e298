/**
 * The stream list: pages of the listing extension (`GET __ds/streams`) loaded
 * on demand as the user scrolls, and refreshed by polling. Each page keeps
 * the cursor it was read from, so refreshing a page re-reads just that range
 * (a page costs the same on the server with 1 M streams); only pages on
 * screen are refreshed, so polling stays cheap however far one scrolled.
 */

import { type ListedStream, listStreams } from "@durastream/client";
import type { Connection } from "./connection.js";
import { Changes } from "./observable.js";
import { comparePaths } from "./path-order.js";

/** Streams per listing request. */
export const PAGE_SIZE = 200;
/** Extra pages read when refreshing a page into which many streams were created. */
const MAX_REFRESH_PAGES = 5;

interface Segment {
  /** Cursor the segment was read from (null: the start). */
  readonly cursor: string | null;
  streams: ListedStream[];
  /** Cursor after the segment's last read (the next segment starts there). */
  nextCursor: string | null;
}

/** The streams under a prefix, as far as they were loaded. */
export class StreamListing {
  readonly changes = new Changes();
  #segments: Segment[] = [];
  #flat: ListedStream[] = [];
  #starts: number[] = [];
  #loading = false;
  #settled = false;
  #error: unknown = null;
  #generation = 0;

  constructor(
    readonly connection: Connection,
    readonly prefix: string,
  ) {}

  /** The loaded streams, in path order. */
  get streams(): readonly ListedStream[] {
    return this.#flat;
  }

  /** More streams exist past the loaded ones. */
  get hasMore(): boolean {
    const last = this.#segments.at(-1);
    return last === undefined || last.nextCursor !== null;
  }

  get loading(): boolean {
    return this.#loading;
  }

  /** The first page was read or failed: until then the list is not known to be empty. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The last failure of a load or refresh, cleared by the next success. */
  get error(): unknown {
    return this.#error;
  }

  /** Stops updates from requests still in flight (the prefix changed). */
  dispose(): void {
    this.#generation++;
  }

  async #page(cursor: string | null, limit = PAGE_SIZE) {
    const pages = listStreams({
      url: this.connection.streamRoot,
      limit,
      fetch: this.connection.auth.fetch,
      ...(this.prefix === "" ? {} : { prefix: this.prefix }),
      ...(cursor === null ? {} : { cursor }),
    });
    for await (const page of pages) return page;
    throw new Error("the listing returned no page");
  }

  #rebuild(): void {
    this.#starts = [];
    const flat: ListedStream[] = [];
    for (const segment of this.#segments) {
      this.#starts.push(flat.length);
      for (const stream of segment.streams) flat.push(stream);
    }
    this.#flat = flat;
    this.changes.notify();
  }

  async #run(work: (generation: number) => Promise<void>): Promise<void> {
    const generation = this.#generation;
    try {
      await work(generation);
      if (generation === this.#generation) this.#error = null;
    } catch (error) {
      if (generation === this.#generation) this.#error = error;
    }
    if (generation === this.#generation) {
      this.#settled = true;
      this.changes.notify();
    }
  }

  /** Loads the next page, if there is one and no load is running. */
  loadMore(): Promise<void> {
    if (this.#loading || !this.hasMore) return Promise.resolve();
    this.#loading = true;
    this.changes.notify();
    return this.#run(async (generation) => {
      try {
        const cursor = this.#segments.at(-1)?.nextCursor ?? null;
        const page = await this.#page(cursor);
        if (generation !== this.#generation) return;
        this.#segments.push({ cursor, streams: page.streams, nextCursor: page.nextCursor });
        this.#rebuild();
      } finally {
        if (generation === this.#generation) this.#loading = false;
      }
    });
  }

  /**
   * Re-reads the pages holding rows `first` to `last` (what is on screen):
   * streams created there appear, deleted ones go away.
   */
  refresh(first: number, last: number): Promise<void> {
    if (this.#loading) return Promise.resolve();
    if (this.#segments.length === 0) return this.loadMore();
    const indexes = new Set<number>();
    for (const row of [first, last]) indexes.add(this.#segmentOf(row));
    return this.#run(async (generation) => {
      for (const index of indexes) {
        if (this.#segments[index] === undefined) continue;
        const streams = await this.#reread(index);
        if (generation !== this.#generation) return;
        this.#segments[index]!.streams = streams.streams;
        if (streams.nextCursor !== undefined)
          this.#segments[index]!.nextCursor = streams.nextCursor;
      }
      this.#rebuild();
    });
  }

  #segmentOf(row: number): number {
    let index = 0;
    while (index + 1 < this.#starts.length && this.#starts[index + 1]! <= row) index++;
    return index;
  }

  /**
   * The streams now in segment `index`: from its cursor up to the next
   * segment's first path (or one page, for the last segment).
   */
  async #reread(
    index: number,
  ): Promise<{ streams: ListedStream[]; nextCursor: string | null | undefined }> {
    const segment = this.#segments[index]!;
    const next = this.#segments[index + 1];
    const bound = next?.streams[0]?.path;
    if (next === undefined || bound === undefined) {
      const page = await this.#page(segment.cursor);
      // A following segment that turned empty is dropped with its cursor.
      if (next !== undefined) this.#segments.splice(index + 1);
      return { streams: page.streams, nextCursor: page.nextCursor };
    }
    const streams: ListedStream[] = [];
    let cursor = segment.cursor;
    for (let read = 0; read <= MAX_REFRESH_PAGES; read++) {
      const page = await this.#page(cursor);
      for (const stream of page.streams) {
        if (comparePaths(stream.path, bound) >= 0) return { streams, nextCursor: undefined };
        streams.push(stream);
      }
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    return { streams, nextCursor: undefined };
  }
}
