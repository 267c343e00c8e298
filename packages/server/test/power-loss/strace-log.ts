/**
 * Reads an `strace -f -y -s 0` log of file writes and syncs, to tell which
 * bytes of a file a power cut may still lose: everything written after the
 * file's last completed sync.
 */

import { readFileSync } from "node:fs";

/** One traced I/O call on a path, in log order. */
export type FileEvent =
  | {
      readonly kind: "write";
      readonly path: string;
      readonly offset: number;
      readonly length: number;
    }
  | { readonly kind: "sync"; readonly path: string }
  | { readonly kind: "truncate"; readonly path: string; readonly size: number };

/** The strace arguments that produce a log `parseStraceLog` reads. */
export const STRACE_ARGS = [
  "-f",
  "-qq",
  "-y",
  "-s",
  "0",
  "-e",
  "trace=pwrite64,pwritev,write,fdatasync,fsync,ftruncate",
];

const CALL = /^\d+ +(pwrite64|write|fdatasync|fsync|ftruncate)\(\d+<([^>]+)>(.*)$/;

/**
 * The file events of a log. A call is placed where it started (strace prints
 * `<unfinished ...>` lines with the arguments first); syncs count where they
 * ended, so a sync still in progress covers nothing.
 */
export function parseStraceLog(file: string): FileEvent[] {
  const events: FileEvent[] = [];
  const pendingSyncs = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const resumed = /^\d+ +<\.\.\. (fdatasync|fsync) resumed>.*= 0$/.exec(line);
    if (resumed) {
      const pending = pendingSyncs.get(line.split(" ")[0]!);
      if (pending) events.push({ kind: "sync", path: pending });
      continue;
    }
    const match = CALL.exec(line);
    if (!match) continue;
    const [, call, path, rest] = match as unknown as [string, string, string, string];
    if (call === "pwrite64") {
      const args = /^, "[^"]*"(?:\.\.\.)?, (\d+), (\d+)/.exec(rest);
      if (args)
        events.push({ kind: "write", path, offset: Number(args[2]), length: Number(args[1]) });
    } else if (call === "ftruncate") {
      const args = /^, (\d+)/.exec(rest);
      if (args) events.push({ kind: "truncate", path, size: Number(args[1]) });
    } else if (call === "write") {
      // Plain write() to a data file would need the file position: none of
      // SQLite's writes to the database or WAL use it.
      if (
        !path.startsWith("anon_inode") &&
        !path.startsWith("pipe") &&
        !path.startsWith("socket")
      ) {
        events.push({ kind: "write", path, offset: Number.NaN, length: Number.NaN });
      }
    } else if (rest.endsWith("<unfinished ...>")) {
      pendingSyncs.set(line.split(" ")[0]!, path);
    } else if (/= 0$/.test(rest)) {
      events.push({ kind: "sync", path });
    }
  }
  return events;
}

/** The byte ranges of `path` written after its last sync among `events`. */
export function unsyncedWrites(
  events: readonly FileEvent[],
  path: string,
): Array<{ offset: number; length: number }> {
  let lastSync = -1;
  for (const [i, event] of events.entries()) {
    if (event.path === path && event.kind === "sync") lastSync = i;
  }
  const out: Array<{ offset: number; length: number }> = [];
  for (const event of events.slice(lastSync + 1)) {
    if (event.path !== path) continue;
    if (event.kind !== "write" || Number.isNaN(event.offset)) {
      throw new Error(`unmodelled unsynced ${event.kind} on ${path}`);
    }
    out.push({ offset: event.offset, length: event.length });
  }
  return out;
}
