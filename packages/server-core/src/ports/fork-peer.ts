/**
 * The fork-peer port: how a fork reaches its source stream (Section 4.2).
 * The source may live in the same store (Node) or behind an RPC to another
 * object (one Durable Object per stream), so every call is async; the engine
 * only calls it on fork paths (creating a fork, reading below a fork point,
 * retiring a fork), never for plain appends and reads.
 *
 * The engine itself implements this port for the streams of its own store
 * (`DurableStreamsEngine.exportFork` and friends): a remote peer forwards each
 * call to the engine that holds the source and answers with what it returns.
 */

import type { BodyPart } from "./body-part.js";
import type { ForkOrigin } from "./store.js";

/** What a new fork asks of its source. */
export interface ForkRequest {
  /** Stream-root-relative path of the source (`Stream-Forked-From`, decoded). */
  readonly sourcePath: string;
  /** The decoded `Stream-Fork-Offset` position, or null for the source's tail. */
  readonly position: number | null;
  /** The `Stream-Fork-Offset` token as sent ("" when absent), for idempotent re-creation. */
  readonly requestedOffset: string;
  /** `Stream-Fork-Sub-Offset` (0 when absent). */
  readonly subOffset: number;
}

/** The source's answer to a fork: where it branches and what the fork inherits. */
export interface ForkSource {
  /** The fork point, and the source's id and path for later calls. */
  readonly origin: ForkOrigin;
  readonly contentType: string;
  readonly ttlSeconds: number | null;
  readonly expiresAt: number | null;
  /** The source's earliest retained position when the fork was made (retention). */
  readonly earliest: number;
}

/** Bytes of `[start, end)` of a stream as a list of slices. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
  readonly chunks: BodyPart[];
}

/** A fork's way to its source stream. */
export interface ForkPeer {
  /**
   * Resolves the fork point on the source and takes a reference on it (the
   * source is then only soft-deleted while the fork exists), durably before
   * resolving. Rejects with a `ProtocolError`: 404 `FORK_SOURCE_NOT_FOUND`,
   * 409 `STREAM_GONE` for a soft-deleted source, 400 `INVALID_OFFSET` for a
   * position past the tail or a sub-offset past the next data boundary.
   */
  exportFork(request: ForkRequest): Promise<ForkSource>;
  /**
   * The source's bytes of `[from, to)` (its own inherited data included),
   * about `maxBytes` at most but at least one stored chunk when any exists.
   * `to` is at most the fork position. A remote peer returns loaded bytes.
   */
  readFork(origin: ForkOrigin, from: number, to: number, maxBytes: number): Promise<ByteRange>;
  /**
   * Where the append that wrote byte `position` of the source ends (a data
   * boundary, Section 4.2 sub-offsets), or undefined when nothing is stored there.
   */
  forkBoundary(origin: ForkOrigin, position: number): Promise<number | undefined>;
  /**
   * Where the stored message of the source that holds byte `position` starts
   * (`position` itself on a boundary), or undefined when the source is gone.
   */
  forkMessageStart(origin: ForkOrigin, position: number): Promise<number | undefined>;
  /**
   * Drops the reference `exportFork` took. The source retires itself when it
   * was deleted or has expired and this was its last fork (cascading up its
   * own chain). Resolves once durable.
   */
  releaseFork(origin: ForkOrigin): Promise<void>;
}
