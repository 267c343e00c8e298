/**
 * Background WAL checkpoints. The store runs SQLite with automatic
 * checkpoints off; this runs `wal_checkpoint(PASSIVE)` on a second
 * connection in a worker thread, so the event loop never copies pages into
 * the database file or waits for its fsync. A passive checkpoint never
 * blocks the writer; SQLite restarts the WAL from its beginning at the next
 * write once everything in it has been copied and synced.
 *
 * The worker's connection uses `synchronous=FULL`: it syncs the WAL before
 * copying and the database file before marking frames as copied, so a frame
 * is only ever overwritten once its page is durable in the database file.
 */

import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What one checkpoint reported (SQLite's `wal_checkpoint` row). */
export interface CheckpointResult {
  /** Frames in the WAL when the checkpoint ran. */
  readonly log: number;
  /** Frames copied into the database file. */
  readonly checkpointed: number;
}

type WorkerReply =
  | { readonly ok: true; readonly log: number; readonly checkpointed: number }
  | { readonly ok: false; readonly message: string };

// CommonJS run with `eval`, so it works the same from `src/` (tests) and `dist/`.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
// Copying pages is background work: at the lowest CPU priority it takes only
// the time requests leave idle (Linux threads have their own nice value; the
// WAL limit still forces a checkpoint if this one falls behind).
try {
  const tid = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
  require("node:os").setPriority(tid, 19);
} catch {}
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = FULL");
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [row] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ok: true, log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message || error) });
  }
});
`;

/** Runs passive checkpoints of one database file off the event loop. */
export class Checkpointer {
  readonly #worker: Worker;
  #running = false;
  #again = false;
  #closed = false;
  readonly #exited: Promise<void>;

  /**
   * @param file the database file (already in WAL mode)
   * @param onResult called after each checkpoint (e.g. to watch the WAL's size)
   * @param onError called when a checkpoint fails (the next one is tried anyway)
   */
  constructor(
    file: string,
    private readonly onResult: (result: CheckpointResult) => void,
    private readonly onError: (error: Error) => void,
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    // `execArgv: []`: the source is CommonJS whatever flags the process was
    // started with (e.g. `--input-type=module` would make it fail to parse).
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { driver, file },
    });
    this.#worker.unref();
    this.#worker.on("message", (reply: WorkerReply) => this.#onReply(reply));
    this.#worker.on("error", (error) => this.onError(error));
    this.#exited = new Promise((resolve) => this.#worker.once("exit", () => resolve()));
  }

  /** Asks for a checkpoint; one already running is followed by another. */
  request(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#worker.postMessage("checkpoint");
  }

  /** Whether a checkpoint is running or asked for. */
  get busy(): boolean {
    return this.#running || this.#again;
  }

  /** Stops the worker after the checkpoint in progress. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    // The worker is unref'd so an idle one never keeps the process alive; a
    // shutdown awaiting this must, or the process ends (exit code 0) with the
    // store half closed: no final checkpoint, no directory sync.
    this.#worker.ref();
    this.#worker.postMessage("close");
    await this.#exited;
  }

  #onReply(reply: WorkerReply): void {
    this.#running = false;
    if (reply.ok) this.onResult({ log: reply.log, checkpointed: reply.checkpointed });
    else this.onError(new Error(`background checkpoint failed: ${reply.message}`));
    if (this.#again && !this.#closed) {
      this.#again = false;
      this.request();
    }
  }
}
