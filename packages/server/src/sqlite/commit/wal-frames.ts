/**
 * How many frames SQLite has written to the WAL, read from the wal-index
 * header at the start of the `-shm` file (`mxFrame`, a native-order u32 at
 * byte 16). Checkpoints follow the pages actually written: a group of small
 * writes to many streams or paths rewrites whole index pages, far more than
 * its payload bytes, and every frame left in the WAL makes page lookups
 * (and with them every query) slower.
 */

import { closeSync, openSync, readSync } from "node:fs";
import { endianness } from "node:os";

const MX_FRAME_OFFSET = 16;

/** Counts WAL frames written between calls. */
export class WalFrameCounter {
  readonly #shmPath: string;
  readonly #word = Buffer.alloc(4);
  #fd: number | null = null;
  #last = 0;

  constructor(shmPath: string) {
    this.#shmPath = shmPath;
  }

  /**
   * Frames written since the previous call; a WAL that restarted from its
   * beginning counts from zero. 0 when the header cannot be read (the caller
   * keeps its own estimate as well).
   */
  framesWritten(): number {
    let current: number;
    try {
      this.#fd ??= openSync(this.#shmPath, "r");
      if (readSync(this.#fd, this.#word, 0, 4, MX_FRAME_OFFSET) !== 4) return 0;
      current = endianness() === "LE" ? this.#word.readUInt32LE(0) : this.#word.readUInt32BE(0);
    } catch {
      return 0;
    }
    const written = current >= this.#last ? current - this.#last : current;
    this.#last = current;
    return written;
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
