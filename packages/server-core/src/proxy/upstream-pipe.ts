/**
 * Pipes one upstream response body into its proxy stream in the background
 * (PROXY_PROTOCOL.md Section 8.2): small chunks batched (size or time,
 * whichever first), each batch durable before the next is read (storage
 * pushes back on the upstream), limits on size, duration and silence, and an
 * outcome always recorded: the stream is closed (or, in a session, the
 * response's `end` frame written) whatever ends the response.
 */

import type { EngineContext } from "../context.js";
import { concatParts } from "../ports/body-part.js";
import { dataFrames, type SessionFrame } from "./framing.js";
import type { ProxyOutcome } from "./outcome.js";
import type { ResolvedProxyConfig } from "./proxy-config.js";
import { appendData, appendJournal, SESSION_TYPE } from "./proxy-streams.js";
import type { UpstreamResponse } from "./upstream-fetcher.js";

const encoder = new TextEncoder();

/** Where a pipe writes. */
export interface PipeTarget {
  readonly id: string;
  /** Content type of the data stream. */
  readonly contentType: string;
  /** The response number within a session, or null for a stream of its own. */
  readonly sessionResponse: number | null;
  /** Upstream origin and path, for `onOutcome`. */
  readonly upstream: string;
}

/** One upstream response being written into its stream. */
export class UpstreamPipe {
  #outcome: ProxyOutcome | null = null;
  #failure: string | undefined;
  #buffer: Uint8Array[] = [];
  #buffered = 0;
  #total = 0;
  #carry: Uint8Array = new Uint8Array(0);
  #writes: Promise<void> = Promise.resolve();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #finishing = false;
  /** Settles once the outcome is durable. */
  readonly done: Promise<void>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly config: ResolvedProxyConfig,
    readonly target: PipeTarget,
    response: UpstreamResponse,
    private readonly controller: AbortController,
  ) {
    this.done = this.#run(response);
  }

  /**
   * Whether the upstream is done and only the outcome is being written: a
   * session's next response may wait for it rather than be refused (its
   * reader may already have seen the `end` frame).
   */
  get finishing(): boolean {
    return this.#finishing;
  }

  /** Ends the response with `outcome` (unless it already ended) and cuts the upstream. */
  stop(outcome: ProxyOutcome): Promise<void> {
    this.#outcome ??= outcome;
    this.controller.abort();
    return this.done;
  }

  async #run(response: UpstreamResponse): Promise<void> {
    const { idleTimeoutMs, maxDurationMs, maxResponseBytes, flushBytes, flushMs } = this.config;
    const deadline = setTimeout(() => this.stop("duration-limit"), maxDurationMs);
    let idle = setTimeout(() => this.stop("idle-timeout"), idleTimeoutMs);
    try {
      for await (const chunk of response.body) {
        if (this.#outcome !== null) break;
        clearTimeout(idle);
        let piece = chunk;
        const room = maxResponseBytes - this.#total;
        if (piece.length > room) {
          piece = piece.subarray(0, room);
          this.#outcome = "size-limit";
        }
        if (piece.length > 0) {
          // Copied: a runtime may reuse the chunk's memory once the iterator moves on.
          this.#buffer.push(piece.slice());
          this.#buffered += piece.length;
          this.#total += piece.length;
        }
        if (this.#buffered >= flushBytes || this.#outcome !== null) await this.#flush();
        else this.#flushTimer ??= setTimeout(() => void this.#flush(), flushMs);
        if (this.#outcome !== null) break;
        idle = setTimeout(() => this.stop("idle-timeout"), idleTimeoutMs);
      }
      this.#outcome ??= "complete";
    } catch (error) {
      if (this.#outcome === null) {
        this.#outcome = "upstream-error";
        this.#failure = error instanceof Error ? error.message : String(error);
      }
    } finally {
      clearTimeout(deadline);
      clearTimeout(idle);
      // Releases the upstream connection when the loop left early.
      this.controller.abort();
    }
    await this.#finish(this.#outcome);
  }

  /** Writes what is buffered; a storage failure ends the response. */
  #flush(final = false): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const parts = this.#buffer;
    this.#buffer = [];
    this.#buffered = 0;
    const write = async () => {
      const bytes = concatParts(parts);
      const { sessionResponse } = this.target;
      if (sessionResponse === null) {
        if (bytes.length > 0)
          await appendData(this.ctx, this.target.id, this.target.contentType, bytes, false);
        return;
      }
      const { frames, carry } = dataFrames(
        sessionResponse,
        concatParts([this.#carry, bytes]),
        final,
      );
      this.#carry = carry;
      if (frames.length > 0) await this.#appendFrames(frames, false);
    };
    this.#writes = this.#writes.then(write).catch((error: unknown) => {
      if (this.#outcome === null || this.#outcome === "complete") {
        this.#outcome = "storage-error";
        this.#failure = error instanceof Error ? error.message : String(error);
      }
      this.controller.abort();
    });
    return this.#writes;
  }

  #appendFrames(frames: SessionFrame[], close: boolean): Promise<void> {
    const body = encoder.encode(JSON.stringify(frames));
    return appendData(this.ctx, this.target.id, SESSION_TYPE, body, close);
  }

  /** Flushes the rest and records the outcome: journal first, then the stream's end. */
  async #finish(outcome: ProxyOutcome): Promise<void> {
    this.#finishing = true;
    await this.#flush(true);
    const { id, sessionResponse } = this.target;
    const response = sessionResponse ?? 1;
    try {
      if (sessionResponse === null) {
        await appendJournal(this.ctx, id, { response, outcome, bytes: this.#total }, true);
        await appendData(this.ctx, id, this.target.contentType, null, true);
      } else {
        await this.#appendFrames([{ type: "end", response, outcome }], false);
        await appendJournal(this.ctx, id, { response, outcome, bytes: this.#total }, false);
      }
    } catch (error) {
      // The stream was deleted meanwhile, or storage is failing: a restart's
      // recovery closes what is still open.
      this.#failure ??= error instanceof Error ? error.message : String(error);
    }
    try {
      this.config.onOutcome({
        streamId: id,
        upstream: this.target.upstream,
        outcome,
        bytes: this.#total,
        ...(this.#failure === undefined ? {} : { message: this.#failure }),
      });
    } catch {
      // A failing report must not become an unhandled rejection of background work.
    }
  }
}
