/**
 * When the SQLite store checkpoints its WAL. SQLite's automatic checkpoints
 * are off: they would run on the event loop inside a commit. Instead, once
 * the WAL has grown by `checkpointBytes` since the last request, a
 * background worker checkpoints (`commit/checkpointer.ts`); if background
 * checkpoints cannot keep up and the WAL passes `walLimitBytes`, the writer
 * stops and checkpoints in the foreground, so the WAL never grows forever.
 */

import type Database from "better-sqlite3";
import { Checkpointer, type CheckpointResult } from "./commit/checkpointer.js";
import { WalFrameCounter } from "./commit/wal-frames.js";

/** How big the WAL may grow. */
export interface CheckpointLimits {
  /** WAL bytes since the last request that trigger a background checkpoint. */
  readonly checkpointBytes: number;
  /** WAL size at which the writer checkpoints in the foreground. */
  readonly walLimitBytes: number;
}

/** Counts what the store writes and checkpoints when the limits say so. */
export class CheckpointPolicy {
  /** Payload written since the last checkpoint request (a floor when frames cannot be counted). */
  #payloadBytes = 0;
  /** WAL frames written since the last checkpoint request, in bytes. */
  #frameBytes = 0;
  readonly #frames: WalFrameCounter;
  readonly #frameSize: number;
  #checkpointer: Checkpointer | undefined;
  /** Workers released while idle, until their connections are closed. */
  readonly #retired = new Set<Promise<void>>();

  constructor(
    private readonly db: Database.Database,
    /** The database file. */
    private readonly file: string,
    private readonly limits: CheckpointLimits,
    private readonly onBackgroundError: (error: Error) => void,
  ) {
    this.#frames = new WalFrameCounter(`${file}-shm`);
    // A WAL frame is a page and its 24-byte header.
    this.#frameSize = (db.pragma("page_size", { simple: true }) as number) + 24;
  }

  /** Notes `bytes` of payload about to be written (with its row overhead). */
  wrote(bytes: number): void {
    this.#payloadBytes += bytes;
  }

  /** After each durable group: requests a background checkpoint once the WAL grew enough. */
  afterCommit(): void {
    this.#frameBytes += this.#frames.framesWritten() * this.#frameSize;
    const written = Math.max(this.#payloadBytes, this.#frameBytes);
    if (written < this.limits.checkpointBytes) return;
    this.#payloadBytes = 0;
    this.#frameBytes = 0;
    this.#checkpointer ??= new Checkpointer(
      this.file,
      (result) => this.#afterCheckpoint(result),
      this.onBackgroundError,
    );
    this.#checkpointer.request();
  }

  /** Background checkpoints that never catch up under load must not let the WAL grow forever. */
  #afterCheckpoint({ log }: CheckpointResult): void {
    if (log * this.#frameSize < this.limits.walLimitBytes) return;
    try {
      this.checkpointNow("RESTART");
    } catch (error) {
      // A full disk cannot take the pages; the WAL keeps them (synced) and
      // the next checkpoint tries again.
      this.onBackgroundError(error as Error);
    }
  }

  /**
   * A foreground checkpoint. At `synchronous=NORMAL` SQLite syncs the WAL
   * before copying and the database file before the WAL can be reused.
   */
  checkpointNow(mode: "RESTART" | "TRUNCATE"): void {
    this.db.pragma(`wal_checkpoint(${mode})`);
  }

  /** Closes the checkpoint worker while it is idle (it is started again when needed). */
  releaseWorker(): void {
    const checkpointer = this.#checkpointer;
    if (checkpointer && !checkpointer.busy) {
      this.#checkpointer = undefined;
      const closed = checkpointer.close();
      this.#retired.add(closed);
      void closed.then(() => this.#retired.delete(closed));
    }
  }

  /**
   * Closes the workers, then checkpoints everything in the foreground: every
   * other connection closes first, so the writer's close is the last one,
   * which checkpoints and removes the WAL.
   */
  async close(): Promise<void> {
    await this.#checkpointer?.close();
    await Promise.all(this.#retired);
    try {
      this.checkpointNow("TRUNCATE");
    } catch (error) {
      // A full disk cannot take the pages: the WAL keeps them, synced, and
      // the next start reads them from there.
      this.onBackgroundError(error as Error);
    }
  }

  /** Releases the wal-index reader (after the database is closed). */
  dispose(): void {
    this.#frames.close();
  }
}
