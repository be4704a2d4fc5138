"""Atomic file writes, with the wait for the disk batched and moved off the
import's path.

`atomic_write` writes a temporary file beside the target, fsyncs it and renames
it over the target: a reader or a crash sees the old file or the new one. The
fsync is most of its time and is spent waiting for the disk, not computing.

`BackgroundWriter` does the first half (create and fill the temporary file: the
part that fails on a full disk or a read-only folder) in the caller, who hears
of such a failure at once, and makes the files durable in batches on a thread:
every file written since the last batch began, at once. On Linux, for a folder
on a local file system, that is one ``syncfs`` call (which reports write errors
since Linux 5.8): one journal commit for the lot and one turn of the
interpreter's lock, where an fsync per file costs a commit each and a turn of
the lock each; a process that keeps that lock busy (the import's) let the
fsyncs fall behind and waited for them. Elsewhere, each file of a batch is
fsynced, on a few threads. The caller renames a file over its target only once
its batch is on disk (at its next write, or `settle`, or `close`), so the
guarantee is that of `atomic_write`. A target whose write is still pending is
finished first when it is read, removed or written again (`settle`); `close`
finishes them all and reports any that failed. A ``syncfs`` also flushes what
other programs wrote to the same file system: batches are started only once
`batch` files or `batch_bytes` are waiting.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_serial = itertools.count()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# File systems whose ``syncfs`` writes and commits everything an fsync of each
# file would (a FUSE or network file system may not pass it on to its server).
_SYNCFS_FILE_SYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs",
                                  "reiserfs", "bcachefs", "zfs", "tmpfs", "overlay"})


def start_write(path: Path, data: bytes) -> tuple[int, str]:
    """A temporary file beside `path` holding `data`: (its open descriptor, its
    name). Named by this process and a counter, created exclusively (a name
    taken by a file left behind is skipped) with the permissions a new file
    gets (0666 less the umask)."""
    while True:
        tmp = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}-{next(_serial)}.tmp"
        try:
            fd = os.open(tmp, _CREATE, 0o666)
            break
        except FileExistsError:
            continue
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


def finish_write(fd: int, tmp: str, path: Path) -> None:
    """Flush the temporary file to disk and rename it over `path`."""
    try:
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    """Write `text` so that `path` is always either the old or the new file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`atomic_write` of bytes."""
    finish_write(*start_write(path, data), path)


def _libc_syncfs():  # -> a ctypes function, or None
    """libc's ``syncfs`` where it reports write errors (Linux 5.8 and later)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        version = tuple(int(part) for part in os.uname().release.split("-")[0].split(".")[:2])
        if version < (5, 8):
            return None
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (ValueError, OSError, AttributeError):
        return None
    syncfs.argtypes = [ctypes.c_int]
    syncfs.restype = ctypes.c_int
    return syncfs


def file_system_type(device: int) -> str | None:
    """The type of the mounted file system whose device number is `device`
    (``/proc/self/mountinfo``), None when it cannot be told."""
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) > 2 and fields[2] == wanted and "-" in fields:
                    at = fields.index("-")
                    return fields[at + 1] if at + 1 < len(fields) else None
    except OSError:
        pass
    return None


@dataclass(frozen=True)
class FailedWrite:
    """A background write that did not complete: the target keeps its old bytes."""

    path: Path
    owner: str  # what the caller said the file was for (a transcript's name)
    error: OSError


@dataclass(eq=False)
class _Pending:
    """A filled temporary file waiting to be made durable and renamed."""

    path: Path
    tmp: str
    owner: str
    size: int
    order: int  # when it was written
    fd: int | None  # open while it waits to be fsynced on its own (no syncfs)
    device: int
    error: OSError | None = None  # set when it could not be made durable


class BackgroundWriter:
    """`atomic_write`, made durable in batches on a thread (module doc).
    At most `pending` writes wait at a time; where each is fsynced on its own
    (no ``syncfs``), at most 64, each holding an open descriptor, on
    `threads` threads. A batch is started once `batch` files or `batch_bytes`
    bytes wait, or at once when the caller waits for one (`settle`, `close`,
    the limit). `syncfs`: whether to use ``syncfs`` where it can (a test
    turns it off)."""

    def __init__(self, threads: int = 4, pending: int = 1024, batch: int = 64,
                 batch_bytes: int = 8 << 20, syncfs: bool = True) -> None:
        self._threads = threads
        self._pending_limit = pending
        self._batch = batch
        self._batch_bytes = batch_bytes
        self._syncfs = _libc_syncfs() if syncfs else None
        self._folders: dict[int, int | None] = {}  # device -> descriptor for syncfs (or None)
        self._where: dict[Path, _Pending] = {}  # every write not yet renamed (or failed)
        self._queued: list[_Pending] = []  # waiting for the next batch
        self._queued_bytes = 0
        self._done: list[_Pending] = []  # made durable (or not): to rename (or report)
        self._cond = threading.Condition()
        self._now = False  # the caller waits: start a batch without waiting for more
        self._closing = False
        self._busy = False  # the thread is making a batch durable
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._failed: list[tuple[int, FailedWrite]] = []
        self.failed: list[FailedWrite] = []

    def write(self, path: Path, text: str, owner: str = "") -> os.stat_result:
        """Start writing `text` to `path` (`write_bytes`)."""
        return self.write_bytes(path, text.encode("utf-8"), owner)

    def write_bytes(self, path: Path, data: bytes, owner: str = "") -> os.stat_result:
        """Start writing `data` to `path`; raises OSError when the temporary file
        cannot be made or filled (the target is then untouched). Returns the
        stat the file will have once renamed (size, modification time and
        inode are set when it is filled), for recording what it holds."""
        self.settle(path)
        fd, tmp = start_write(path, data)
        try:
            filled = os.fstat(fd)
            by_syncfs = self._syncfs_folder(filled.st_dev, path.parent) is not None
            if by_syncfs:
                os.close(fd)
        except OSError:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
            raise
        entry = _Pending(path, tmp, owner, len(data), next(_serial),
                         None if by_syncfs else fd, filled.st_dev)
        self._where[path] = entry
        with self._cond:
            self._queued.append(entry)
            self._queued_bytes += entry.size
            if len(self._queued) >= self._batch or self._queued_bytes >= self._batch_bytes \
                    or not by_syncfs:
                self._cond.notify_all()
        self._start()
        self._rename_done()
        limit = self._pending_limit if by_syncfs else min(self._pending_limit, 64)
        while len(self._where) > limit:
            self._wait_for_a_batch()
        return filled

    def settle(self, path: Path) -> None:
        """Finish the pending write of `path`, if there is one: once it is on
        disk, rename it (a failure is reported by `close`)."""
        entry = self._where.get(path)
        if entry is None:
            return
        with self._cond:
            queued = entry in self._queued  # (not yet in a batch: made durable here)
            if queued:
                self._queued.remove(entry)
                self._queued_bytes -= entry.size
        if queued:
            _fsync_one(entry)
            with self._cond:
                self._done.append(entry)
        self._rename_done()
        while self._where.get(path) is entry:
            self._wait_for_a_batch()

    def close(self) -> list[FailedWrite]:
        """Finish every pending write; the ones that failed, in the order written."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._rename_done()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        for fd in self._folders.values():
            if fd is not None:
                os.close(fd)
        self._folders.clear()
        self.failed = [failed for _, failed in sorted(self._failed, key=lambda f: f[0])]
        return self.failed

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the caller's side

    def _syncfs_folder(self, device: int, folder: Path) -> int | None:
        """A descriptor of `folder` to ``syncfs`` the files of `device` with,
        None where they are fsynced one by one instead."""
        if device not in self._folders:
            fd = None
            if self._syncfs is not None and file_system_type(device) in _SYNCFS_FILE_SYSTEMS:
                try:
                    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
                except OSError:
                    fd = None
            self._folders[device] = fd
        return self._folders[device]

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._flusher, name="flush", daemon=True)
            self._thread.start()

    def _wait_for_a_batch(self) -> None:
        """Have a batch started now and wait until it is done."""
        with self._cond:
            waiting = len(self._done)
            self._now = True
            self._cond.notify_all()
            while len(self._done) == waiting and (self._queued or self._busy):
                self._cond.wait()
        self._rename_done()

    def _rename_done(self) -> None:
        """Rename the files made durable over their targets; report the others."""
        with self._cond:
            done, self._done = self._done, []
        for entry in done:
            if entry.error is None:
                try:
                    os.replace(entry.tmp, entry.path)
                except OSError as exc:
                    entry.error = exc
            if entry.error is not None:
                Path(entry.tmp).unlink(missing_ok=True)
                self._failed.append((entry.order, FailedWrite(entry.path, entry.owner,
                                                              entry.error)))
            if self._where.get(entry.path) is entry:
                del self._where[entry.path]

    # -- the thread's side

    def _flusher(self) -> None:
        while True:
            with self._cond:
                # (a file fsynced on its own gains nothing from waiting for more)
                while not (self._queued and (self._now or self._closing
                                             or len(self._queued) >= self._batch
                                             or self._queued_bytes >= self._batch_bytes
                                             or self._queued[-1].fd is not None)):
                    if self._closing and not self._queued:
                        return
                    self._cond.wait()
                batch, self._queued, self._queued_bytes = self._queued, [], 0
                self._now = False
                self._busy = True
            try:
                self._make_durable(batch)
            finally:
                with self._cond:
                    self._done += batch
                    self._busy = False
                    self._cond.notify_all()

    def _make_durable(self, batch: list[_Pending]) -> None:
        """Flush every file of `batch` to disk (or set its `error`)."""
        by_device: dict[int, list[_Pending]] = {}
        for entry in batch:
            by_device.setdefault(entry.device, []).append(entry)
        for device, entries in by_device.items():
            folder = self._folders.get(device)
            if folder is not None and self._syncfs is not None and self._syncfs(folder) == 0:
                continue
            # (else, or when some write on the file system failed: which of these?)
            if len(entries) == 1:
                _fsync_one(entries[0])
                continue
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="fsync")
            list(self._pool.map(_fsync_one, entries))


def _fsync_one(entry: _Pending) -> None:
    """Flush one pending file to disk, through its descriptor or a new one
    (closed after; read-only: the way with syncfs is Linux's, whose fsync
    takes any descriptor); a failure is kept in `entry.error`."""
    try:
        fd = entry.fd if entry.fd is not None else os.open(entry.tmp, os.O_RDONLY)
        entry.fd = None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        entry.error = exc
