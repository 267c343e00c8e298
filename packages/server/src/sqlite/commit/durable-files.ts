/**
 * Directory entries are durable only once their directory is synced: a file
 * whose data was `fdatasync`ed can still vanish after a power cut if the
 * entry naming it never reached the disk. These helpers sync directories
 * where the store creates or removes files (the data directory, the
 * database, its WAL).
 */

import { closeSync, fsyncSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** `fsync`s a directory, making the entries created or removed in it durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` and any missing parents, syncing each directory that gained
 * an entry, so the path survives a power cut once this returns.
 */
export function makeDurableDirectory(dir: string): void {
  const target = resolve(dir);
  const first = mkdirSync(target, { recursive: true });
  if (first === undefined) return;
  // Every directory from the first one created down to `dir` is new: its
  // parent gained an entry.
  const created: string[] = [];
  for (let at = target; ; at = dirname(at)) {
    created.push(at);
    if (at === resolve(first) || at === dirname(at)) break;
  }
  for (const path of created.reverse()) syncDirectory(dirname(path));
}

/** `fsync`s a file by path (any descriptor of the file reaches the same inode). */
export function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
