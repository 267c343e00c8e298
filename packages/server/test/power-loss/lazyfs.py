#!/usr/bin/python3
"""A FUSE filesystem that loses what was not synced, in the manner of LazyFS.

    /usr/bin/python3 lazyfs.py BACKING MOUNTPOINT TRASH

BACKING is "the disk": it only ever holds data that was synced. Every file
opened through MOUNTPOINT is modelled in memory as the kernel's page cache
would hold it (its current bytes) plus the list of writes and truncations
made since its last fsync/fdatasync. A sync applies that file's list to
BACKING; a power cut applies none of it, or a random subset of it cut into
4 KiB pieces (writes reach a disk in any order, and partly).

Directory entries are lazy too: a file or directory created, or a file
removed, stays so after a power cut only once its parent directory was
synced (fsync on the directory). Until then a cut undoes it (all such
changes, or a seeded subset): the created entry disappears, the removed file
comes back from TRASH (a directory outside BACKING). Renames and rmdir are
not modelled (they go to BACKING at once); the server uses neither.

Served without direct I/O, so the kernel's page cache backs shared mmaps
(SQLite maps its -shm wal-index, the store maps the database) and dirty mapped
pages come back here as writes.

Control, one command per line on stdin:
    crash all SEED      drop every unsynced write
    crash subset SEED   keep a seeded random subset of unsynced 4 KiB pieces
Both answer `crashed <kept pieces> <dropped pieces> <entries undone>` and
then ignore every further write; the caller unmounts.
    fail on|off         a failing disk: while on, every write, truncation and
                        file creation fails with EIO (answers `failing on|off`) Prints `ready` once mounted. On stdin EOF
the filesystem unmounts itself, so a dying test leaves no mount behind.
"""

import errno
import os
import random
import shutil
import subprocess
import sys
import threading

from fusepy import FUSE, FuseOSError, Operations

PIECE = 4096


class LazyFile:
    """A file's current bytes and the changes not yet synced to the disk."""

    def __init__(self, backing):
        with open(backing, "rb") as f:
            self.data = bytearray(f.read())
        self.pending = []  # ("w", offset, bytes) | ("t", size), in order

    def write(self, offset, data):
        end = offset + len(data)
        if end > len(self.data):
            self.data.extend(b"\0" * (end - len(self.data)))
        self.data[offset:end] = data
        self.pending.append(("w", offset, bytes(data)))

    def truncate(self, size):
        if size < len(self.data):
            del self.data[size:]
        else:
            self.data.extend(b"\0" * (size - len(self.data)))
        self.pending.append(("t", size))


def apply(backing, changes):
    fd = os.open(backing, os.O_WRONLY)
    try:
        for change in changes:
            if change[0] == "w":
                os.pwrite(fd, change[2], change[1])
            else:
                os.ftruncate(fd, change[1])
    finally:
        os.close(fd)


def pieces(change):
    """A change cut into the 4 KiB-aligned pieces a disk may persist separately."""
    if change[0] == "t":
        return [change]
    _, offset, data = change
    out = []
    at = offset
    while at < offset + len(data):
        end = min((at // PIECE + 1) * PIECE, offset + len(data))
        out.append(("w", at, data[at - offset : end - offset]))
        at = end
    return out


class LazyFS(Operations):
    use_ns = True

    def __init__(self, root, mountpoint, trash):
        self.root = root
        self.mountpoint = mountpoint
        self.trash = trash
        self.trashed = 0
        # Per parent directory, entry changes since it was last synced, in order:
        # ("create", path) | ("mkdir", path) | ("unlink", path, trash path)
        self.entries = {}
        self.files = {}
        self.frozen = False
        self.failing = False
        self.mutex = threading.RLock()

    def __call__(self, op, *args):
        with self.mutex:
            return super().__call__(op, *args)

    def _backing(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _entry(self, kind, path, *extra):
        parent = os.path.dirname(path)
        self.entries.setdefault(parent, []).append((kind, path, *extra))

    def _undo(self, entry):
        kind, path = entry[0], entry[1]
        backing = self._backing(path)
        if kind == "create" and os.path.isfile(backing):
            os.unlink(backing)
            self.files.pop(path, None)
        elif kind == "mkdir" and os.path.isdir(backing):
            shutil.rmtree(backing)
            prefix = path.rstrip("/") + "/"
            for key in [key for key in self.files if key.startswith(prefix)]:
                del self.files[key]
        elif kind == "unlink" and not os.path.exists(backing) and os.path.exists(entry[2]):
            os.rename(entry[2], backing)

    def _file(self, path):
        f = self.files.get(path)
        if f is None:
            f = LazyFile(self._backing(path))
            self.files[path] = f
        return f

    # Control

    def crash(self, mode, seed):
        rng = random.Random(seed)
        kept = dropped = 0
        for path, f in self.files.items():
            survivors = []
            for change in f.pending:
                for piece in pieces(change):
                    if mode == "subset" and rng.random() < 0.5:
                        survivors.append(piece)
                        kept += 1
                    else:
                        dropped += 1
            if survivors and os.path.exists(self._backing(path)):
                apply(self._backing(path), survivors)
            f.pending = []
        undone = 0
        for parent in list(self.entries):
            for entry in reversed(self.entries[parent]):
                if mode == "subset" and rng.random() < 0.5:
                    continue
                self._undo(entry)
                undone += 1
        self.entries = {}
        self.frozen = True
        return kept, dropped, undone

    # Metadata, passed through

    def getattr(self, path, fh=None):
        st = os.lstat(self._backing(path))
        attrs = {
            key: getattr(st, key)
            for key in (
                "st_mode",
                "st_nlink",
                "st_uid",
                "st_gid",
                "st_size",
                "st_atime_ns",
                "st_mtime_ns",
                "st_ctime_ns",
            )
        }
        attrs["st_atime"] = attrs.pop("st_atime_ns")
        attrs["st_mtime"] = attrs.pop("st_mtime_ns")
        attrs["st_ctime"] = attrs.pop("st_ctime_ns")
        f = self.files.get(path)
        if f is not None:
            attrs["st_size"] = len(f.data)
        return attrs

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._backing(path))

    def access(self, path, amode):
        if not os.access(self._backing(path), amode):
            raise FuseOSError(errno.EACCES)
        return 0

    def mkdir(self, path, mode):
        os.mkdir(self._backing(path), mode)
        self._entry("mkdir", path)

    def rmdir(self, path):
        os.rmdir(self._backing(path))

    def chmod(self, path, mode):
        os.chmod(self._backing(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._backing(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._backing(path), ns=times)

    def statfs(self, path):
        st = os.statvfs(self._backing(path))
        return {
            key: getattr(st, key)
            for key in (
                "f_bavail",
                "f_bfree",
                "f_blocks",
                "f_bsize",
                "f_favail",
                "f_ffree",
                "f_files",
                "f_flag",
                "f_frsize",
                "f_namemax",
            )
        }

    def unlink(self, path):
        self.trashed += 1
        trash = os.path.join(self.trash, str(self.trashed))
        os.rename(self._backing(path), trash)
        self.files.pop(path, None)
        self._entry("unlink", path, trash)

    def rename(self, old, new):
        os.rename(self._backing(old), self._backing(new))
        f = self.files.pop(old, None)
        if f is not None:
            self.files[new] = f

    def readlink(self, path):
        return os.readlink(self._backing(path))

    # Data, lazy

    def create(self, path, mode, fi=None):
        if self.failing:
            raise FuseOSError(errno.EIO)
        fd = os.open(self._backing(path), os.O_WRONLY | os.O_CREAT, mode)
        os.close(fd)
        self._file(path)
        self._entry("create", path)
        return 0

    def open(self, path, flags):
        f = self._file(path)
        if flags & os.O_TRUNC and not self.frozen:
            f.truncate(0)
        return 0

    def read(self, path, size, offset, fh):
        return bytes(self._file(path).data[offset : offset + size])

    def write(self, path, data, offset, fh):
        if self.failing:
            raise FuseOSError(errno.EIO)
        if not self.frozen:
            self._file(path).write(offset, data)
        return len(data)

    def truncate(self, path, length, fh=None):
        if self.failing:
            raise FuseOSError(errno.EIO)
        if not self.frozen:
            self._file(path).truncate(length)

    def fsync(self, path, datasync, fh):
        if self.frozen:
            return 0
        f = self._file(path)
        if f.pending:
            apply(self._backing(path), f.pending)
            f.pending = []
        return 0

    def fsyncdir(self, path, datasync, fh):
        if not self.frozen:
            for entry in self.entries.pop(path, []):
                if entry[0] == "unlink" and os.path.exists(entry[2]):
                    os.unlink(entry[2])
        return 0

    def init(self, path):
        print("ready", flush=True)
        threading.Thread(target=self.control, daemon=True).start()

    def control(self):
        for line in sys.stdin:
            words = line.split()
            if len(words) == 3 and words[0] == "crash" and words[1] in ("all", "subset"):
                with self.mutex:
                    kept, dropped, undone = self.crash(words[1], int(words[2]))
                print(f"crashed {kept} {dropped} {undone}", flush=True)
            elif len(words) == 2 and words[0] == "fail" and words[1] in ("on", "off"):
                with self.mutex:
                    self.failing = words[1] == "on"
                print(f"failing {words[1]}", flush=True)
        subprocess.run(["umount", "-l", self.mountpoint], check=False)


def main():
    backing, mountpoint, trash = sys.argv[1], sys.argv[2], sys.argv[3]
    fs = LazyFS(os.path.abspath(backing), mountpoint, os.path.abspath(trash))
    # hard_remove: an unlinked file that is still open goes at once, as on a
    # disk filesystem (libfuse would otherwise rename it to .fuse_hidden*).
    FUSE(fs, mountpoint, foreground=True, big_writes=True, hard_remove=True)


if __name__ == "__main__":
    main()
