/**
 * The SQLite store's database file: the store's options, where the file is,
 * how it is opened and tuned, and the sync of a freshly opened WAL.
 */

import { openSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { makeDurableDirectory, syncDirectory, syncFile } from "./commit/durable-files.js";
import { ensureSchema } from "./sqlite-schema.js";

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** Directory of the database file (created if missing). */
  readonly dataDir: string;
  /** Records kept in memory at most. Default 10,000. */
  readonly cacheSize?: number;
  /**
   * Idempotent-producer states kept in memory at most (least recently used
   * go; a miss reads the table). Default 10,000.
   */
  readonly producerCacheSize?: number;
  /**
   * WAL bytes written since the last checkpoint that trigger a background one
   * (frames counted from the wal-index; payload bytes when it cannot be read).
   * Default 64 MiB.
   */
  readonly checkpointBytes?: number;
  /**
   * WAL size at which the writer stops and checkpoints in the foreground,
   * for when background checkpoints cannot catch up. Default 256 MiB.
   */
  readonly walLimitBytes?: number;
  /** Bytes of the database file read through mmap. Default 1 GiB; 0 turns it off. */
  readonly mmapBytes?: number;
  /**
   * Called with storage errors worth a log line: background work no request
   * sees (checkpoints, TTL refreshes) and groups of writes the disk refused.
   */
  readonly onBackgroundError?: (error: Error) => void;
  /** Recently committed bytes kept in memory per stream for live readers. Default 1 MiB. */
  readonly tailCacheStreamBytes?: number;
  /** Recently committed bytes kept in memory across streams. Default 32 MiB. */
  readonly tailCacheBytes?: number;
  /**
   * How a group's WAL is made durable, given a descriptor of the `-wal` file.
   * Default `fs.fdatasync`. Only fault-injection tests replace it: a group is
   * acknowledged when this calls back without an error, never before.
   */
  readonly walSync?: (walFd: number, done: (error: Error | null) => void) => void;
}

/** Database file name inside the data directory. */
export const DATABASE_FILE = "durastream.db";

/** The opened database and its file's path. */
export interface DatabaseFile {
  readonly db: Database.Database;
  readonly path: string;
}

/** Opens (creating it and its directory if missing) and tunes the database, schema up to date. */
export function openDatabaseFile(options: SqliteStoreOptions): DatabaseFile {
  // The durability argument is in docs/durability.md; in short: a commit is
  // made durable by the group commit's fdatasync of the WAL, SQLite syncs
  // what must reach the disk before the WAL can be reused, and directory
  // entries are synced where files appear or go.
  makeDurableDirectory(options.dataDir);
  const file = join(options.dataDir, DATABASE_FILE);
  const db = new Database(file);
  // NORMAL in WAL mode syncs no commit (the group commit does, off the event
  // loop) but syncs the WAL before a checkpoint copies it, the database file
  // before the copied frames may be overwritten, and the WAL header when the
  // log restarts from its beginning: without that last sync a power cut
  // could leave the old header over a mix of old and new frames, and
  // recovery would replay a stale prefix of already-checkpointed frames.
  // Set before journal_mode so a new file's switch to WAL is synced as well.
  db.pragma("synchronous = NORMAL");
  db.pragma("journal_mode = WAL");
  db.pragma("wal_autocheckpoint = 0");
  db.pragma("cache_size = -16384");
  // Catch-up reads copy blobs straight out of the mapped file instead of
  // walking overflow pages through the page cache.
  db.pragma(`mmap_size = ${options.mmapBytes ?? 1024 * 1024 * 1024}`);
  // A WAL that grew under load is cut back when SQLite restarts it.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  ensureSchema(db);
  return { db, path: file };
}

/**
 * Syncs the WAL of a database just opened, and its directory; returns a
 * descriptor of the WAL for the group commit's syncs.
 */
export function syncNewWal(file: string, dataDir: string): number {
  // The WAL exists once the connection has read in WAL mode; schema work
  // (creation, upgrades) committed to it unsynced, so sync it now, then the
  // directory holding the database and WAL entries: from here on the state
  // on disk is the state served.
  const walPath = `${file}-wal`;
  const walFd = openSync(walPath, "r");
  syncFile(walPath);
  syncDirectory(dataDir);
  return walFd;
}
