/**
 * Background trimming. Appends (and released forks) only note which streams may trim (one Set insert,
 * off the commit path); a periodic pass (the runtime's sweep tick) trims the
 * noted streams and walks every stream in pages for age limits, so a stream
 * nobody writes to still loses its old data. All trims of one pass are issued
 * in the same turn, so a group-committing store writes them in one commit.
 */

import type { EngineContext } from "../context.js";
import type { RetentionStore, StreamRecord } from "../ports/store.js";
import { isExpired } from "../storage/expiry.js";
import { effectiveRetention } from "./policy.js";
import { capTrim, trimTarget } from "./trim-target.js";

/** Streams looked at per pass by the age walk. */
const WALK_PAGE = 256;

/** Remembers streams to trim and trims them in batches. */
export class RetentionTrimmer {
  /** Paths appended to since the last pass (paths, not records: a store may reload records). */
  readonly #grown = new Set<string>();
  /** Where the age walk resumes (a path; "" starts over). */
  #walkFrom = "";

  constructor(
    private readonly ctx: Pick<EngineContext, "store" | "clock" | "options">,
    private readonly store: RetentionStore,
  ) {}

  /**
   * Notes that `record` may have data to trim under a byte limit: it grew,
   * or a fork that held its data back was released.
   */
  mayTrim(record: StreamRecord): void {
    if (record.retention?.maxBytes != null || this.ctx.options.retentionMaxBytes !== null) {
      this.#grown.add(record.path);
    }
  }

  /**
   * One pass: trims up to `limit` grown streams and a page of the age walk.
   * Settles when the trims are durable; returns how many streams were trimmed.
   */
  async run(limit: number): Promise<number> {
    const now = this.ctx.clock.now();
    const candidates: StreamRecord[] = [];
    for (const path of this.#grown) {
      if (candidates.length >= limit) break;
      this.#grown.delete(path);
      const record = this.ctx.store.get(path);
      if (record) candidates.push(record);
    }
    candidates.push(...this.#walkPage());
    const trims: Promise<void>[] = [];
    const seen = new Set<number>();
    for (const record of candidates) {
      if (seen.has(record.id) || isExpired(record, now)) continue;
      seen.add(record.id);
      const policy = effectiveRetention(this.ctx, record);
      if (policy === null) continue;
      const target = trimTarget(this.store, record, policy, now);
      if (target > record.earliest) trims.push(this.store.trim(record, target));
    }
    await Promise.all(trims);
    return trims.length;
  }

  /**
   * Trims `record` below `before` on its owner's request, whatever its
   * retention settings (an application that knows which prefix it no longer
   * needs: a Yjs document's updates a snapshot covers). Capped like every
   * trim; settles once durable.
   */
  async trimBefore(record: StreamRecord, before: number): Promise<void> {
    const target = capTrim(this.store, record, before);
    if (target > record.earliest) await this.store.trim(record, target);
  }

  /** The next page of streams in path order, for age limits (wraps around). */
  #walkPage(): StreamRecord[] {
    const page = this.ctx.store.listFrom(this.#walkFrom, "", WALK_PAGE);
    if (page.length < WALK_PAGE) this.#walkFrom = "";
    else this.#walkFrom = `${page[page.length - 1]!.path}\u0000`;
    const out: StreamRecord[] = [];
    for (const summary of page) {
      const record = this.ctx.store.get(summary.path);
      // Only age limits need the walk; byte limits are found by `appended`.
      const policy = record ? effectiveRetention(this.ctx, record) : null;
      if (record && policy?.maxAgeSeconds != null) out.push(record);
    }
    return out;
  }
}
